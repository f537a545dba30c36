module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'runtime',
  // Sources import './x.js' as Node's ESM needs; ts-jest runs them as CommonJS from './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    ...require('../../jest.preset.js').transform,
    '/node_modules/(jose|openid-client|oauth4webapi)/.+\\.js$': '<rootDir>/jest.esm-transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
};
