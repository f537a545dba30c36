import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const MOTO_INSTALL_HINT =
  'The local cloud needs moto in server mode (Python). Install it with: pip install "moto[server]"';

/** Thrown when no Python with moto can be found; its message is the one users see. */
export class MotoMissingError extends Error {
  constructor(detail: string) {
    super(`${MOTO_INSTALL_HINT}\n(${detail})`);
    this.name = 'MotoMissingError';
  }
}

/**
 * The Python package with our patches to moto (see its __init__.py), shipped beside `dist/`: this
 * file runs as `dist/daemon/moto-process.js` (or `src/daemon/moto-process.ts` under ts-jest).
 */
export const PATCHES_DIR = path.resolve(__dirname, '..', '..', 'python');

/*
 * moto runs inside this wrapper rather than as `moto_server` so that it exits when the daemon dies,
 * even by SIGKILL: the daemon holds the write end of moto's stdin, and end-of-file there ends moto.
 * Without it a killed daemon would leave an orphan moto holding its port and memory.
 */
const WRAPPER = `
import logging, os, sys, threading
def _watch():
    try:
        while sys.stdin.buffer.read(65536):
            pass
    finally:
        os._exit(0)
try:
    import moto.server
    import flask  # noqa: F401  moto[server] extra
except ImportError as e:
    sys.stderr.write("NX_SST_MOTO_MISSING " + str(e) + "\\n")
    sys.exit(3)
threading.Thread(target=_watch, daemon=True).start()
# moto's port is open to every user of the machine: it answers only requests that carry the token the
# daemon drew for this start (from the environment, which other users cannot read, unlike argv), and
# nothing moto starts inherits it.
import hmac
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
_token = os.environ.pop("NX_SST_MOTO_TOKEN", "").encode("ascii")
if len(_token) < 32:
    sys.stderr.write("NX_SST_MOTO_TOKEN is missing or too short\\n")
    sys.exit(2)
_dispatch = DomainDispatcherApplication.__call__
def _guarded(self, environ, start_response):
    given = environ.get("HTTP_X_NX_SST_MOTO_TOKEN", "").encode("latin-1")
    if not hmac.compare_digest(given, _token):
        start_response("403 Forbidden", [("Content-Type", "text/plain"), ("Content-Length", "10")])
        return [b"Forbidden\\n"]
    return _dispatch(self, environ, start_response)
DomainDispatcherApplication.__call__ = _guarded
# One access-log line per request would grow the daemon log without bound.
logging.getLogger("werkzeug").setLevel(logging.WARNING)
# Our patches write no __pycache__ into the package directory (moto's own imports still may).
_bytecode = sys.dont_write_bytecode
sys.dont_write_bytecode = True
sys.path.insert(0, ${JSON.stringify(PATCHES_DIR)})
import nx_sst_patches  # noqa: F401  applies each patch when moto imports what it changes
sys.dont_write_bytecode = _bytecode
moto.server.main(sys.argv[1:])
`;

function allOnPath(name: string): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (!found.includes(candidate)) found.push(candidate);
    } catch {
      // keep looking
    }
  }
  return found;
}

function hasMoto(python: string): boolean {
  return spawnSync(python, ['-c', 'import moto.server'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/**
 * The Python that has moto: `NX_SST_PYTHON` if set; else the interpreter in the shebang of
 * `moto_server` (a pip console script, so it is moto's own Python, also inside a venv or pipx);
 * else the first `python3`/`python` on PATH that can import moto. Asking each one matters: npm and
 * npx put node's own directory (often `/usr/bin`) first on PATH, so the first `python3` found under
 * `npm run`/`nx` may be the system one without moto while moto lives in a pyenv or venv Python.
 */
export function resolvePython(): string {
  if (process.env.NX_SST_PYTHON) return process.env.NX_SST_PYTHON;
  for (const motoServer of allOnPath('moto_server')) {
    const firstLine = fs.readFileSync(motoServer, 'utf8').split('\n', 1)[0];
    const shebang = /^#!\s*(\S*python[\d.]*)\s*$/.exec(firstLine);
    if (shebang && fs.existsSync(shebang[1])) return shebang[1];
  }
  const pythons = [...allOnPath('python3'), ...allOnPath('python')];
  if (pythons.length === 0) throw new MotoMissingError('no python3 on PATH');
  return pythons.find(hasMoto) ?? pythons[0];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface MotoProcess {
  child: ChildProcess;
  port: number;
  /** Drawn at each start; moto answers only requests with it in MOTO_TOKEN_HEADER (403 otherwise). */
  token: string;
}

/** The header every request of the daemon to moto carries; the front never passes a client's on. */
export const MOTO_TOKEN_HEADER = 'x-nx-sst-moto-token';

export interface MotoOptions {
  accountId: string;
  region: string;
  log: fs.WriteStream;
  /** The front's `http://127.0.0.1:PORT`: HTTP API and function URL endpoints are made on it. */
  publicEndpoint?: string;
}

/** Starts moto on a free loopback port and waits until it answers. */
export async function startMoto(options: MotoOptions): Promise<MotoProcess> {
  const python = resolvePython();
  const port = await freePort();
  const token = randomBytes(32).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MOTO_ACCOUNT_ID: options.accountId,
    AWS_DEFAULT_REGION: options.region,
    AWS_REGION: options.region,
    PYTHONUNBUFFERED: '1',
    // moto's server answers every preflight of every service for any origin (flask-cors) unless told
    // not to; S3 then answers CORS from each bucket's rules, as S3 does, and nothing else answers it.
    MOTO_DISABLE_GLOBAL_CORS: 'true',
    NX_SST_MOTO_TOKEN: token,
  };
  if (options.publicEndpoint) env.NX_SST_PUBLIC_ENDPOINT = options.publicEndpoint;
  // Access control starts off (replay and set-up run unauthenticated) and is switched on through
  // /moto-api/reset-auth once the cloud is ready, when the state directory asks for IAM enforcement.
  delete env.INITIAL_NO_AUTH_ACTION_COUNT;
  // moto's state is rebuilt from our journal; its own recorder (on for any non-empty value) stays off.
  delete env.MOTO_ENABLE_RECORDING;
  const child = spawn(python, ['-c', WRAPPER, '-H', '127.0.0.1', '-p', String(port)], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout?.pipe(options.log, { end: false });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
    options.log.write(chunk);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new MotoMissingError(`${python}: ${e.message}`)));
    child.once('exit', (code) => {
      const missing = /NX_SST_MOTO_MISSING (.*)/.exec(stderr);
      if (missing) reject(new MotoMissingError(`${python}: ${missing[1]}`));
      else reject(new Error(`moto exited with code ${code} before it was ready:\n${stderr.slice(-2000)}`));
    });
  });
  exited.catch(() => undefined);
  await Promise.race([waitUntilAnswering(port, token, 60_000), exited]);
  return { child, port, token };
}

async function waitUntilAnswering(port: number, token: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/moto-api/seed?a=0`, {
        method: 'POST',
        headers: { [MOTO_TOKEN_HEADER]: token },
      });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`moto did not answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ends moto: closing its stdin ends it through the wrapper; a signal makes sure. */
export async function stopMoto(moto: MotoProcess): Promise<void> {
  const { child } = moto;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
