module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  // The suites build our packages and install workspaces: one at a time, or they would rebuild the
  // same dist/ folders at once and fight over two cores.
  maxWorkers: 1,
};
