// Shared Jest settings: every package runs its *.spec.ts files through ts-jest, as CommonJS.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Our other packages are used as built (`test` depends on `^build`): the local cloud's daemon and
  // the runtime's two entries are JavaScript that other processes load.
};
