// A throwaway workspace with the sample infra app of the nx-sst tests, linked to this repository's
// built packages the way an installed workspace is. Shared by the bind and types benchmarks.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = path.join(repoRoot, 'packages/nx-sst/dist/cli/main.js');

export function sampleWorkspace() {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-bench-')));
  const files = {
    'nx.json': '{}',
    'package.json': JSON.stringify({ name: 'bench', private: true }),
    'apps/infra/project.json': JSON.stringify({ name: 'infra' }),
    'apps/infra/sst.config.ts': [
      "import type { SSTConfig } from '@nx-sst/constructs';",
      "import { Default } from './stacks/Default';",
      'export default {',
      "  config() { return { name: 'bench', region: 'us-east-1' }; },",
      '  stacks(app) { if (!app.isProductionStage) app.setDefaultRemovalPolicy("destroy"); app.stack(Default); },',
      '} satisfies SSTConfig;',
    ].join('\n'),
    'apps/infra/stacks/Default.ts': [
      "import { Bucket, Config, Function, Table, type StackContext } from '@nx-sst/constructs';",
      'export function Default({ stack }: StackContext) {',
      "  const bucket = new Bucket(stack, 'public');",
      "  const orders = new Table(stack, 'orders', { fields: { id: 'string' }, primaryIndex: { partitionKey: 'id' } });",
      "  const key = new Config.Secret(stack, 'STRIPE_KEY');",
      "  const version = new Config.Parameter(stack, 'VERSION', { value: '1.0.0' });",
      "  new Function(stack, 'api', { handler: 'apps/api/src/handler.handler', bind: [bucket, orders, key, version] });",
      '}',
    ].join('\n'),
    'apps/api/project.json': JSON.stringify({ name: 'api' }),
    'apps/api/src/handler.ts': 'export const handler = async () => ({ statusCode: 200, body: "ok" });',
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  const link = (name, target) => {
    fs.mkdirSync(path.dirname(path.join(root, 'node_modules', name)), { recursive: true });
    fs.symlinkSync(target, path.join(root, 'node_modules', name), 'dir');
  };
  link('@nx-sst/constructs', path.join(repoRoot, 'packages/constructs'));
  link('aws-cdk-lib', path.join(repoRoot, 'node_modules/aws-cdk-lib'));
  link('constructs', path.join(repoRoot, 'node_modules/constructs'));
  return root;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
