import * as fs from 'node:fs';
import { stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { runCli } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';

jest.setTimeout(300_000);

const STACKS = [
  "import { Cron, type StackContext } from '@nx-sst/constructs';",
  'export function Default({ stack }: StackContext) {',
  "  new Cron(stack, 'nightly', { schedule: 'cron(0 3 * * ? *)', job: 'apps/api/src/jobs.nightly' });",
  "  new Cron(stack, 'broken', { schedule: 'rate(1 day)', job: 'apps/api/src/jobs.broken', enabled: false });",
  '}',
].join('\n');

const JOBS = [
  'export const nightly = async (event: { source: string; "detail-type": string; resources: string[] }) =>',
  '  ({ cleaned: 3, source: event.source, kind: event["detail-type"], rules: event.resources.length });',
  'export const broken = async () => { throw new TypeError("the export is gone"); };',
].join('\n');

describe('nx-sst cron run', () => {
  let root: string;
  beforeAll(async () => {
    root = sampleWorkspace({ stacks: STACKS, extraFiles: { 'apps/api/src/jobs.ts': JOBS } });
    const deployed = await runCli(root, ['deploy']);
    expect(deployed.stderr).not.toContain('✖');
    expect(deployed.code).toBe(0);
  });
  afterAll(async () => {
    if (!root) return;
    await stopDaemon(localCloudDir(root));
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("runs the Cron's job now with the Scheduled Event and prints its answer", async () => {
    const out = await runCli(root, ['cron', 'run', 'nightly']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      cleaned: 3,
      source: 'aws.events',
      kind: 'Scheduled Event',
      rules: 1,
    });
    expect(out.stderr).toMatch(
      /^Running Cron "nightly" \(rule \S+, cron\(0 3 \* \* \? \*\)\) on the stage "local"…\n/,
    );
    expect(out.stderr).toMatch(/✔ \S+ finished in \d+ ms\n$/);
  });

  it('a failing job: exit 1 with its error and where its log is; a disabled Cron runs all the same', async () => {
    const out = await runCli(root, ['cron', 'run', 'broken', '--stage', 'local']);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(', rate(1 day), disabled) on the stage "local"…');
    expect(out.stderr).toMatch(
      /✖ Cron "broken": (\S+) failed: TypeError: the export is gone\n {2}Its log: \.sst\/local-cloud\/functions\/logs\/\1\.log\n/,
    );
  });

  it('an unknown id is refused naming the Crons there are; a missing id, another stage and an unknown subcommand too', async () => {
    const unknown = await runCli(root, ['cron', 'run', 'hourly']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      '✖ No Cron "hourly" in shop on the stage "local". Its Crons: broken, nightly.\n',
    );
    const missing = await runCli(root, ['cron', 'run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('✖ Missing the Cron id: nx-sst cron run <id>');
    const prod = await runCli(root, ['cron', 'run', 'nightly', '--stage', 'prod']);
    expect(prod.code).toBe(1);
    expect(prod.stderr).toContain(
      '✖ nx-sst cron run runs a job on the local cloud only; the stage is "prod".',
    );
    const sub = await runCli(root, ['cron', 'list']);
    expect(sub.code).toBe(1);
    expect(sub.stderr).toContain('✖ Unknown cron command "list".');
    const option = await runCli(root, ['cron', 'run', 'nightly', '--force']);
    expect(option.stderr).toContain('✖ --force does not apply to nx-sst cron run');
  });
});
