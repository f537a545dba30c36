import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type AppProps } from '../app';

/** A throwaway workspace with a few handler files and site folders. */
export function tempWorkspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-constructs-'));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write(
    'packages/functions/src/lambda.ts',
    'export const handler = async () => ({ statusCode: 200, body: "ok" });\n',
  );
  write(
    'packages/functions/src/notes.ts',
    'export const list = async () => []; export const get = async () => ({});\n',
  );
  write('apps/web/package.json', '{ "name": "web" }\n');
  write('apps/landing/index.html', '<script>window.API = "{{ VITE_API_URL }}"</script>\n');
  return root;
}

export function removeWorkspace(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

/** An App on a temporary workspace; projects are `functions` and `web` by folder. */
export function testApp(root: string, props: Partial<AppProps> = {}): App {
  return new App({
    name: 'my-app',
    stage: 'dev',
    region: 'us-east-1',
    account: '123456789012',
    workspaceRoot: root,
    outdir: path.join(root, '.sst', 'cdk.out'),
    resolveProject: (abs) => {
      const rel = path.relative(root, abs).split(path.sep);
      if (rel[0] === 'packages' || rel[0] === 'apps') return { name: rel[1], root: `${rel[0]}/${rel[1]}` };
      return undefined;
    },
    ...props,
  });
}
