// Shared Jest settings: every package runs its *.spec.ts files through ts-jest, as CommonJS.
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { tsconfig: '<rootDir>/tsconfig.spec.json', isolatedModules: true, diagnostics: { warnOnly: false } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Tests of one package use the sources of our other packages, not their build output.
  moduleNameMapper: {
    '^@nx-sst/local-cloud$': path.join(__dirname, 'packages/local-cloud/src/index.ts'),
  },
};
