import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { localCloudStatus, startLocalCloud, stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { CLI, runCli } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';

// A full deploy (synthesis, bundling, CloudFormation) and a redeploy on a shared 2-core machine.
jest.setTimeout(900_000);

const STACKS = [
  "import { Function, type StackContext } from '@nx-sst/constructs';",
  'export function Default({ stack }: StackContext) {',
  "  const fn = new Function(stack, 'api', { handler: 'apps/api/src/handler.handler' });",
  "  stack.addOutputs({ Fn: fn.functionName, Greeting: 'hello' });",
  '}',
].join('\n');

const root = sampleWorkspace({
  stacks: STACKS,
  extraFiles: {
    'apps/api/src/handler.ts':
      "import { answer } from './lib/answer';\nexport const handler = async () => ({ answer });",
    'apps/api/src/lib/answer.ts': "export const answer = 'A';",
  },
});
const stackName = 'local-shop-Default';
const write = (rel: string, text: string) => fs.writeFileSync(path.join(root, rel), text);

let child: ChildProcess | undefined;
let stderr = '';
let stdout = '';
let exited: Promise<number | null>;

/** Waits until the output after `from` matches `pattern`; fails with the output when the process ends. */
async function waitFor(pattern: RegExp, from: number, timeoutMs = 600_000): Promise<RegExpMatchArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const match = stderr.slice(from).match(pattern);
    if (match) return match;
    if (child?.exitCode !== null || Date.now() > until)
      throw new Error(`no ${pattern} in:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('nx-sst dev', () => {
  it('refuses a stage other than local, naming why', async () => {
    const r = await runCli(root, ['dev', '--stage', 'prod']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('nx-sst dev runs on the local stage only, not "prod".');
    expect(r.stderr).toContain("behind CloudFormation's back");
  });

  it('deploys once, swaps edited handler code without a redeploy, survives a syntax error, redeploys stack edits, and exits 0 on SIGINT', async () => {
    child = spawn(process.execPath, [CLI, 'dev'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    exited = new Promise((resolve) => child!.on('exit', (code) => resolve(code)));
    await waitFor(/Watching 1 function\(s\)/, 0);
    expect(stdout).toContain('Deployed shop to the stage "local"');

    const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
    const lambda = new LambdaClient(cloud.clientConfig);
    const cfn = new CloudFormationClient(cloud.clientConfig);
    const describe = async () =>
      (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0];
    const before = await describe();
    const fnName = before.Outputs!.find((o) => o.OutputKey === 'Fn')!.OutputValue!;
    const invoke = async () => {
      const out = await lambda.send(new InvokeCommand({ FunctionName: fnName }));
      expect(out.FunctionError).toBeUndefined();
      return JSON.parse(Buffer.from(out.Payload!).toString('utf8'));
    };
    const sha = async () =>
      (await lambda.send(new GetFunctionCommand({ FunctionName: fnName }))).Configuration!.CodeSha256;
    expect(await invoke()).toEqual({ answer: 'A' });
    const shaA = await sha();

    // An imported module, not only the entry, is a source of the bundle.
    let mark = stderr.length;
    write('apps/api/src/lib/answer.ts', "export const answer = 'B';");
    await waitFor(/↻ api updated \(\d+ ms\)\n/, mark);
    expect(await invoke()).toEqual({ answer: 'B' });
    expect(await sha()).not.toBe(shaA);
    const after = await describe();
    expect(after.LastUpdatedTime?.getTime()).toBe(before.LastUpdatedTime?.getTime());
    expect(stdout.match(/Deployed shop/g)).toHaveLength(1);

    // A syntax error is told with file:line and the watch goes on: the next good save swaps.
    mark = stderr.length;
    write('apps/api/src/handler.ts', 'export const handler = async () => ({ answer: );');
    await waitFor(/apps\/api\/src\/handler\.ts:1:\d+: /, mark);
    expect(child.exitCode).toBeNull();
    expect(await invoke()).toEqual({ answer: 'B' });
    mark = stderr.length;
    write('apps/api/src/handler.ts', "export const handler = async () => ({ answer: 'C' });");
    await waitFor(/↻ api updated/, mark);
    expect(await invoke()).toEqual({ answer: 'C' });

    // A stack edit redeploys; the function's code stays the edited one.
    mark = stderr.length;
    const stacksFile = path.join(root, 'apps/infra/stacks/Default.ts');
    fs.writeFileSync(stacksFile, STACKS.replace("Greeting: 'hello'", "Greeting: 'hi'"));
    await waitFor(/Stack files changed: redeploying/, mark);
    for (;;) {
      const s = await describe();
      if (s.Outputs?.find((o) => o.OutputKey === 'Greeting')?.OutputValue === 'hi') break;
      if (child.exitCode !== null) throw new Error(stderr);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await invoke()).toEqual({ answer: 'C' });

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // The cloud and what it holds stay.
    expect((await localCloudStatus(localCloudDir(root))).running).toBe(true);
    expect(await invoke()).toEqual({ answer: 'C' });
    lambda.destroy();
    cfn.destroy();
  });
});
