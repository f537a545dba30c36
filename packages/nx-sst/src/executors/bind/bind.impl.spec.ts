import type { ExecutorContext } from '@nx/devkit';
import { createServer, type Server } from 'node:http';
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
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await collect({})).toEqual([{ success: false }]);
    expect(error.mock.calls[0][0]).toContain('give a command');
    runBound.mockRejectedValue(
      Object.assign(new Error('Nothing is bound to web on stage "local".'), { hint: 'Deploy first.' }),
    );
    expect(await collect({ command: 'next dev' })).toEqual([{ success: false }]);
    expect(error.mock.calls[1][0]).toBe(
      'nx-sst bind: Nothing is bound to web on stage "local".\nDeploy first.',
    );
    error.mockRestore();
  });
});
