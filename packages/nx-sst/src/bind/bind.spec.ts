import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StageCloud } from '../core/cloud';
import { boundEnv, counted, runBound, runInSession, type BindSession } from './bind';
import type { RoleCredentials } from './credentials';
import type { ResolvedValues } from './values';

// Real children (sh), a binding that answers from what the spec gives it.
jest.setTimeout(60_000);

const valuesOf = (env: Record<string, string>, secrets: string[] = []): ResolvedValues =>
  ({ env, secrets }) as ResolvedValues;
const role = (key: string, expiresInMs = 3_600_000): RoleCredentials => ({
  accessKeyId: key,
  secretAccessKey: `${key}-secret`,
  expiration: new Date(Date.now() + expiresInMs),
  source: `the role ${key}`,
});

let root: string;
beforeEach(() => (root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-run-')))));
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** A session whose reads answer from `next`; the environment carries the values and the key id. */
function session(opts: {
  values: ResolvedValues;
  credentials?: RoleCredentials;
  next?: ResolvedValues[];
  roles?: RoleCredentials[];
}) {
  const calls: string[] = [];
  const s: BindSession = {
    stage: 'local',
    cloud: { endpoint: 'http://127.0.0.1:4999' } as StageCloud,
    app: 'shop',
    values: opts.values,
    credentials: opts.credentials,
    summary: 'project api on stage "local": 1 value, 0 secrets, as the role',
    fingerprint: 'x',
    envOf: (v = opts.values, c = opts.credentials) => ({
      PATH: process.env.PATH,
      ...v.env,
      ...(c ? { AWS_ACCESS_KEY_ID: c.accessKeyId } : {}),
    }),
    readValues: async () => {
      calls.push('readValues');
      return opts.next?.shift() ?? opts.values;
    },
    assumeRole: async (reuse = true) => {
      calls.push(`assumeRole(${reuse})`);
      return opts.roles?.shift();
    },
    close: () => calls.push('close'),
  };
  return { s, calls };
}

/** Appends what the run saw to `seen`, then ends with `exit` when `until` holds, else waits to be restarted. */
const recorder = (until: string, exit: number) => [
  'sh',
  '-c',
  `echo "$SST_A $AWS_ACCESS_KEY_ID" >> seen; if ${until}; then exit ${exit}; fi; sleep 30`,
];
const seen = () => fs.readFileSync(path.join(root, 'seen'), 'utf8').trim().split('\n');

describe('runInSession', () => {
  it('runs the command with the binding, says what is bound, reports the endpoint, passes the exit code on and closes the session', async () => {
    const { s, calls } = session({ values: valuesOf({ SST_A: '1' }), credentials: role('k1') });
    const log: string[] = [];
    const ready: string[] = [];
    const code = await runInSession(s, {
      workspaceRoot: root,
      cwd: root,
      command: recorder('true', 7),
      log: (line) => log.push(line),
      onReady: (url) => ready.push(url),
    });
    expect(code).toBe(7);
    expect(seen()).toEqual(['1 k1']);
    expect(log).toEqual(['project api on stage "local": 1 value, 0 secrets, as the role']);
    expect(ready).toEqual(['http://127.0.0.1:4999']);
    expect(calls).toEqual(['close']);
  });

  it('restarts the command with the new values when the signal file says they changed, not when they are the same', async () => {
    const { s, calls } = session({
      values: valuesOf({ SST_A: '1' }),
      credentials: role('k1'),
      next: [valuesOf({ SST_A: '1' }), valuesOf({ SST_A: '2' })],
    });
    const log: string[] = [];
    let signal!: () => void;
    const command = recorder('[ "$SST_A" = 2 ]', 3);
    const run = runInSession(
      s,
      { workspaceRoot: root, cwd: root, command, log: (l) => log.push(l) },
      {
        watch: (file, changed) => {
          expect(file).toBe(path.join(root, '.sst/bind-signal'));
          signal = changed;
          return () => undefined;
        },
      },
    );
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    await until(() => fs.existsSync(path.join(root, 'seen')));
    signal(); // the same values: nothing restarts
    await until(() => calls.length === 1);
    signal();
    expect(await run).toBe(3);
    expect(seen()).toEqual(['1 k1', '2 k1']);
    expect(calls).toEqual(['readValues', 'readValues', 'close']);
    expect(log.slice(1)).toEqual([`bound values changed; restarting ${command.join(' ')}`]);
  });

  it('restarts the command with a new role session before the credentials expire', async () => {
    const { s, calls } = session({
      values: valuesOf({ SST_A: '1' }),
      credentials: role('k1', 61_500),
      roles: [role('k2')],
    });
    const log: string[] = [];
    const code = await runInSession(s, {
      workspaceRoot: root,
      cwd: root,
      command: recorder('[ "$AWS_ACCESS_KEY_ID" = k2 ]', 4),
      log: (l) => log.push(l),
      pollIntervalMs: 0,
      refreshBeforeExpiryMs: 60_000,
    });
    expect(code).toBe(4);
    expect(seen()).toEqual(['1 k1', '1 k2']);
    expect(calls).toEqual(['readValues', 'assumeRole(false)', 'close']);
    expect(log[1]).toMatch(/^the role credentials are about to expire; restarting sh -c /);
  });
});

describe('runBound', () => {
  it('refuses an empty command before reading any binding', async () => {
    await expect(runBound({ workspaceRoot: root, cwd: root, command: [] })).rejects.toMatchObject({
      message: 'No command to run.',
      hint: 'Put it after --: nx-sst bind -- next dev',
    });
  });
});

describe('boundEnv', () => {
  const { s } = session({ values: valuesOf({ SST_A: 'v', SST_APP: 'shop' }), credentials: role('k1') });
  const values = { ...valuesOf({ SST_A: 'v', SST_APP: 'shop' }), lambdaEnv: { SST_A: '__FETCH_FROM_SSM__' } };

  it("is the session's environment for the values and credentials given", () => {
    expect(boundEnv(s, false)(values, role('k9'))).toEqual(s.envOf(values, role('k9')));
  });

  it('with likeLambda, holds the values as the deployed function does, and resolves the runtime as its bundle', () => {
    const env = boundEnv(s, true)(values, role('k9'));
    expect(env.SST_A).toBe('__FETCH_FROM_SSM__');
    expect(env.SST_APP).toBe('shop');
    expect(env.AWS_ACCESS_KEY_ID).toBe('k9');
    expect(env.NODE_OPTIONS).toMatch(/^--import="data:text\/javascript,/);
  });
});

describe('counted', () => {
  it('says "1 secret" and "0 secrets", "2 values"', () => {
    expect([counted(1, 'secret'), counted(0, 'secret'), counted(2, 'value')]).toEqual([
      '1 secret',
      '0 secrets',
      '2 values',
    ]);
  });
});
