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

  // Jest's default on 2 cores is one spec file at a time, yet most integration specs spend their time
  // waiting on other processes (moto, the local cloud's daemon, the built CLI, nx, tsc, esbuild). Spec
  // files are independent — each starts its own local cloud on a free port with a state directory of
  // its own, and its workspaces in fresh temporary folders — so two run at once.
  maxWorkers: 2,
};
