module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'runtime',
  // Sources import './x.js' as Node's ESM needs; ts-jest runs them as CommonJS from './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
