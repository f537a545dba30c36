import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppIndexEntry } from '../core/app-index';
import { tempWorkspace } from '../test-utils/cli';

// Records when bind requires the synthesis modules; load-app is stood in for: the cold path only has
// to reach it here (scope.spec runs the real one).
const mockRequired: string[] = [];
jest.mock('../synth/bundle-config', () => {
  mockRequired.push('bundle-config');
  return jest.requireActual('../synth/bundle-config');
});
jest.mock('../synth/load-app', () => {
  mockRequired.push('load-app');
  return {
    loadConfigForStage: async () => {
      throw new Error('the cold path ran');
    },
  };
});

const entry: AppIndexEntry = {
  appRoot: 'apps/infra',
  name: 'shop',
  project: 'infra',
  region: 'us-east-1',
  ssmPrefixes: {},
  customPrefix: false,
  projects: ['api'],
  targets: ['api'],
};

const root = tempWorkspace({
  'nx.json': '{}',
  'package.json': JSON.stringify({ name: 'sample', private: true }),
  'apps/infra/project.json': JSON.stringify({ name: 'infra' }),
  'apps/infra/sst.config.ts': 'export default {};',
  'apps/api/project.json': JSON.stringify({ name: 'api' }),
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const scope = (index: AppIndexEntry[] | undefined, stage: { stage?: string } = { stage: 'local' }) => {
  const file = path.join(root, '.sst/apps.json');
  if (index) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ apps: index }));
  } else fs.rmSync(file, { force: true });
  // A fresh module registry for each test (beforeEach), so every require shows.
  const { resolveScope } = jest.requireActual<typeof import('./scope')>('./scope');
  return resolveScope({ workspaceRoot: root, cwd: path.join(root, 'apps/api'), ...stage, env: {} });
};

describe('the synthesis modules in resolveScope', () => {
  beforeEach(() => {
    jest.resetModules();
    mockRequired.length = 0;
  });

  it('are not loaded when the app index knows the app, the stage and the SSM prefix', async () => {
    expect(await scope([entry])).toMatchObject({
      stage: 'local',
      ssmPrefix: '/sst/shop/local/',
      manifest: '/sst/shop/local/_bind/project/api',
    });
    expect(mockRequired).toEqual([]);
  });

  it("without a stage named, read the config bundle's name to trust the index's default stage", async () => {
    const defaultStage = { bundle: 'a bundle no longer current', stage: 'dev' };
    await expect(scope([{ ...entry, defaultStage }], {})).rejects.toThrow('the cold path ran');
    expect(mockRequired).toEqual(['bundle-config', 'load-app']);
  });

  it('are loaded when the index is missing, and when it cannot tell the SSM prefix of the stage', async () => {
    await expect(scope(undefined)).rejects.toThrow('the cold path ran');
    expect(mockRequired).toEqual(['load-app']);
    jest.resetModules();
    mockRequired.length = 0;
    await expect(scope([{ ...entry, customPrefix: true }])).rejects.toThrow('the cold path ran');
    expect(mockRequired).toEqual(['load-app']);
  });
});
