import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** This repository: the folder above us that holds packages/constructs. */
function findRepoRoot(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'packages/constructs/package.json'))) return dir;
  }
  throw new Error('sampleWorkspace: run from inside the nx-sst repository');
}
const repoRoot = findRepoRoot();

/**
 * A throwaway Nx workspace with one infra app (`apps/infra`, app name `shop`) and two bound
 * projects, linked to this repository's built packages the way an installed workspace is.
 */
export function sampleWorkspace(opts: { stacks?: string; extraFiles?: Record<string, string> } = {}): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-sample-')));
  const files: Record<string, string> = {
    'nx.json': '{}',
    'package.json': JSON.stringify({ name: 'sample', private: true }),
    'apps/infra/project.json': JSON.stringify({ name: 'infra' }),
    'apps/infra/sst.config.ts': [
      "import type { SSTConfig } from '@nx-sst/constructs';",
      "import { Default } from './stacks/Default';",
      'export default {',
      "  config() { return { name: 'shop', region: 'us-east-1' }; },",
      '  stacks(app) { if (!app.isProductionStage) app.setDefaultRemovalPolicy("destroy"); app.stack(Default); },',
      '} satisfies SSTConfig;',
    ].join('\n'),
    'apps/infra/stacks/Default.ts': opts.stacks ?? DEFAULT_STACKS,
    'apps/api/project.json': JSON.stringify({ name: 'api' }),
    'apps/api/src/handler.ts': 'export const handler = async () => ({ statusCode: 200, body: "ok" });',
    'apps/worker/project.json': JSON.stringify({ name: 'worker' }),
    'apps/worker/src/handler.ts': 'export const handler = async () => ({ statusCode: 200 });',
    ...opts.extraFiles,
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  const link = (name: string, target: string) => {
    const at = path.join(root, 'node_modules', name);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(target, at, 'dir');
  };
  link('@nx-sst/constructs', path.join(repoRoot, 'packages/constructs'));
  link('@nx-sst/runtime', path.join(repoRoot, 'packages/runtime'));
  link('aws-cdk-lib', path.join(repoRoot, 'node_modules/aws-cdk-lib'));
  link('constructs', path.join(repoRoot, 'node_modules/constructs'));
  return root;
}

export const DEFAULT_STACKS = [
  "import { Bucket, Config, Function, Table, type StackContext } from '@nx-sst/constructs';",
  'export function Default({ stack }: StackContext) {',
  "  const bucket = new Bucket(stack, 'public');",
  "  const orders = new Table(stack, 'orders', { fields: { id: 'string' }, primaryIndex: { partitionKey: 'id' } });",
  "  const key = new Config.Secret(stack, 'STRIPE_KEY');",
  "  const version = new Config.Parameter(stack, 'VERSION', { value: '1.0.0' });",
  "  new Function(stack, 'api', { handler: 'apps/api/src/handler.handler', bind: [bucket, key, version] });",
  "  new Function(stack, 'worker', { handler: 'apps/worker/src/handler.handler', bind: [orders] });",
  '}',
].join('\n');
