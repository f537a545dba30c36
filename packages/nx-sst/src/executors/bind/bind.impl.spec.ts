import type { ExecutorContext } from '@nx/devkit';
import { createServer, type Server } from 'node:http';
import { NxSstError } from '../../core/errors';
import bindExecutor from './bind.impl';

const runBound = jest.fn();
jest.mock('../../bind/bind', () => ({ runBound: (opts: unknown) => runBound(opts) }));
const emitReadySignal = jest.fn();
jest.mock('@nx/devkit', () => ({
  ...jest.requireActual('@nx/devkit'),
  emitReadySignal: (u: unknown) => emitReadySignal(u),
}));

const context = {
  root: '/ws',
  cwd: '/ws',
  projectName: 'web',
  targetName: 'dev',
  projectsConfigurations: { version: 2, projects: { web: { root: 'apps/web' } } },
  nxJsonConfiguration: {},
  isVerbose: false,
  projectGraph: { nodes: {}, dependencies: {} },
} as unknown as ExecutorContext;

async function collect(options: Parameters<typeof bindExecutor>[0], ctx = context) {
  const results: { success: boolean; baseUrl?: string }[] = [];
  for await (const r of bindExecutor(options, ctx)) results.push(r);
  return results;
}

/** A fake engine: the command "starts" at once and exits with `code` once `release` is called. */
function engineThatRuns(code: number) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  runBound.mockImplementation(async (opts: { onReady(url: string): void }) => {
    opts.onReady('');
    await released;
    return code;
  });
  return release;
}

describe('bind executor', () => {
  beforeEach(() => {
    runBound.mockReset();
    emitReadySignal.mockReset();
  });

  it("runs the command in the project's folder through the engine, ready once it runs, and fails with the child", async () => {
    const release = engineThatRuns(3);
    const results = collect({ command: 'next dev', args: ['--port', '3001'] });
    setTimeout(release, 50);
    expect(await results).toEqual([{ success: true }, { success: false }]);
    expect(runBound).toHaveBeenCalledWith(
      expect.objectContaining({
        workspaceRoot: '/ws',
        cwd: '/ws/apps/web',
        command: ['next dev --port 3001'],
        shell: true,
      }),
    );
    expect(emitReadySignal).toHaveBeenCalledWith(undefined);
  });

  it('sends the ready signal with the URL once it answers', async () => {
    const server: Server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      const release = engineThatRuns(0);
      const results = collect({ command: 'next dev', readyUrl: url });
      setTimeout(release, 500);
      expect(await results).toEqual([{ success: true, baseUrl: url }, { success: true }]);
      expect(emitReadySignal).toHaveBeenCalledWith(url);
    } finally {
      server.close();
    }
  });

  it('wraps another target in a nested nx run', async () => {
    engineThatRuns(0)();
    // A real workspace root, where the nx CLI can be found.
    await collect({ wrapTarget: 'web:serve-raw' }, { ...context, root: process.cwd() });
    const { command, shell } = runBound.mock.calls[0][0];
    expect(shell).toBe(false);
    expect(command.slice(2)).toEqual(['run', 'web:serve-raw']);
  });

  it('fails with a clear message when there is nothing to run or the engine refuses', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await collect({})).toEqual([{ success: false }]);
      expect(stderr.mock.calls[0][0]).toBe(
        '✖ The nx-sst:bind options give no command to run.\n' +
          '  Give a command (e.g. "command": "next dev") or a wrapTarget (e.g. "wrapTarget": "web:dev-unbound").\n',
      );
      expect(await collect({ command: 'next dev', mask: 'sometimes' })).toEqual([{ success: false }]);
      expect(stderr.mock.calls[1][0]).toContain('✖ Unknown --mask "sometimes".');
      runBound.mockRejectedValue(
        new NxSstError('Nothing is bound to web on stage "local".', 'Deploy first.'),
      );
      expect(await collect({ command: 'next dev' })).toEqual([{ success: false }]);
      // The same lines as `nx-sst bind` prints.
      expect(stderr.mock.calls[2][0]).toBe('✖ Nothing is bound to web on stage "local".\n  Deploy first.\n');
    } finally {
      stderr.mockRestore();
    }
  });

  it("names the child's exit code, which Nx would report only as a failure", async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      engineThatRuns(7)();
      expect(await collect({ command: 'exit 7', mask: 'never', likeLambda: true })).toEqual([
        { success: true },
        { success: false },
      ]);
      expect(runBound).toHaveBeenCalledWith(expect.objectContaining({ mask: 'never', likeLambda: true }));
      expect(stderr.mock.calls.map((c) => c[0])).toEqual(['✖ The command exited with code 7.\n']);
    } finally {
      stderr.mockRestore();
    }
  });
});
