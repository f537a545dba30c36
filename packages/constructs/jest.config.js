module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'constructs',
  // Every synthesized template is checked against the CloudFormation resource specification.
  setupFilesAfterEnv: ['<rootDir>/src/test-utils/validate-templates.setup.ts'],
};
