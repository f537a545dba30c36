import * as path from 'node:path';
import { localCloudDir } from '../core/cloud';
import { isNxSstError, NxSstError } from '../core/errors';
import { explainError } from '../core/known-errors';
import { appFlagFor } from '../core/workspace';
import { formatStacks } from '../deploy/summary';

/**
 * The commands of nx-sst, once. The CLI (`nx-sst <command>`, which the inferred targets run) and the
 * executors (`nx-sst:<command>`) only turn their own input into these options and call the same
 * function, so a command takes the same options, prints the same lines and fails the same way
 * whichever front-end runs it. `front-ends.spec.ts` runs every command through all three and compares.
 *
 * The engine behind each command is `require`d inside it, not imported: the CLI loads this module for
 * every command (`bind` too), and `secrets`, `types` or `local status` must not pay for toolkit-lib and
 * aws-cdk-lib (`deploy`'s, hundreds of milliseconds). What it imports is small and mostly loaded anyway.
 */

// The SDK's advice to move to Node 22 would otherwise open every command's output, in the CLI and
// in an executor alike (engines already says which Node is supported).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Where a command writes: its result on `out`, progress and confirmations on `err`. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Whether `out` is a terminal (a secret printed by `get` then ends with a newline). */
  outIsTerminal: boolean;
}

export const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  get outIsTerminal() {
    return Boolean(process.stdout.isTTY);
  },
};

/** What every command of an infra app takes. */
export interface AppOptions {
  workspaceRoot: string;
  /** Where relative paths and the default app are resolved from. */
  cwd: string;
  /** The infra app: its folder (absolute or relative to `cwd`) or Nx project name. */
  app?: string;
  stage?: string;
}

export interface StackCommandOptions extends AppOptions {
  /** Stack ids or names (patterns allowed); default all. */
  stacks?: string[];
  /** Also print toolkit-lib's detailed messages. */
  verbose?: boolean;
  /** Stacks deployed or removed in parallel when they do not depend on each other (default 4). */
  concurrency?: number;
}

export interface DeployCommandOptions extends StackCommandOptions {
  /** Bootstrap the AWS environment first when it is missing or too old. */
  bootstrap?: boolean;
  /** Deploy even when the deploy record says nothing changed since the last deploy. */
  force?: boolean;
}

export type SecretsSubcommand = 'set' | 'get' | 'list' | 'remove' | 'load';
export const SECRETS_SUBCOMMANDS: readonly SecretsSubcommand[] = ['set', 'get', 'list', 'remove', 'load'];
export type SecretsFormat = 'table' | 'env' | 'json';

export interface SecretsCommandOptions extends AppOptions {
  /** The secret (set, get, remove) or the .env file, relative to `cwd` (load). */
  name?: string;
  /** The value (set); when absent, `readValue` is asked (the CLI reads stdin). */
  value?: string;
  readValue?: () => Promise<string | undefined>;
  /** The app-wide fallback that stages without their own value inherit. */
  fallback?: boolean;
  format?: string;
}

export type MaskMode = 'auto' | 'always' | 'never';

/** The checks `bind` makes before anything runs, for the CLI and the executor alike. */
export function checkBindOptions(o: { target?: string; script?: boolean; mask?: string }): MaskMode {
  if (o.target && o.script) throw new NxSstError('Use either --target or --script, not both.');
  const mask = o.mask ?? 'auto';
  if (mask !== 'auto' && mask !== 'always' && mask !== 'never')
    throw new NxSstError(`Unknown --mask "${mask}".`, 'Use auto, always or never.');
  return mask;
}

/** What a front-end prints when the bound command fails: the child's own exit code, not a generic one. */
export function describeExit(code: number): string {
  return code > 128 && code - 128 < 65
    ? `The command was stopped by signal ${code - 128} (exit code ${code}).`
    : `The command exited with code ${code}.`;
}

export type LocalSubcommand = 'start' | 'stop' | 'status' | 'reset';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the engine of deploy, remove and diff (~155 ms; toolkit-lib, ~500 ms, when one runs)
const deployModule = () => require('../deploy/deploy') as typeof import('../deploy/deploy.js');

function stackOptions(o: StackCommandOptions) {
  return {
    workspaceRoot: o.workspaceRoot,
    cwd: o.cwd,
    appRoot: o.app,
    stage: o.stage,
    stacks: o.stacks?.length ? o.stacks : undefined,
    concurrency: o.concurrency,
    io: { verbose: o.verbose },
  };
}

function checkConcurrency(concurrency: number | undefined): void {
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1))
    throw new NxSstError(`Invalid concurrency "${concurrency}".`, 'Give a whole number of 1 or more.');
}

function printStacks(io: Output, title: string, result: Parameters<typeof formatStacks>[1]) {
  io.out(formatStacks(title, result));
}

export async function deployCommand(o: DeployCommandOptions, io: Output): Promise<number> {
  checkConcurrency(o.concurrency);
  const result = await deployModule().deploy({ ...stackOptions(o), bootstrap: o.bootstrap, force: o.force });
  printStacks(io, `Deployed ${result.app} to the stage "${result.stage}"`, result);
  return 0;
}

export async function removeCommand(o: StackCommandOptions, io: Output): Promise<number> {
  checkConcurrency(o.concurrency);
  const result = await deployModule().remove(stackOptions(o));
  printStacks(io, `Removed ${result.app} from the stage "${result.stage}"`, result);
  return 0;
}

export async function diffCommand(o: Omit<StackCommandOptions, 'concurrency'>, io: Output): Promise<number> {
  // The diff itself goes out as toolkit-lib reports it (on err, with the progress); this is the count.
  const result = await deployModule().diff(stackOptions(o));
  const total = Object.values(result.changes).reduce((a, b) => a + b, 0);
  io.out(
    `\n${total ? `${total} change(s)` : 'No changes'} for ${result.app} on the stage "${result.stage}".\n`,
  );
  return 0;
}

/**
 * Deploys to `local`, then swaps functions' code as their sources change until SIGINT or SIGTERM,
 * which end it with 0 and leave the local cloud running with its state.
 */
export async function devCommand(o: Omit<StackCommandOptions, 'stacks'>, io: Output): Promise<number> {
  checkConcurrency(o.concurrency);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: dev's engine and its SDK clients, for dev alone (~60 ms)
  const { dev } = require('../dev/dev') as typeof import('../dev/dev.js');
  const stop = new AbortController();
  // The first stops after the deploy or swap under way (nothing half-written); a second one now.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await dev({
      workspaceRoot: o.workspaceRoot,
      cwd: o.cwd,
      app: o.app,
      stage: o.stage,
      verbose: o.verbose,
      signal: stop.signal,
      say: (line) => io.err(line),
      deploy: async () => {
        const result = await deployModule().deploy(stackOptions(o));
        printStacks(io, `Deployed ${result.app} to the stage "${result.stage}"`, result);
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

export async function typesCommand(o: AppOptions, io: Output): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: types' engine, for types alone (~11 ms)
  const { writeTypes } = require('../types/write-types') as typeof import('../types/write-types.js');
  const { written } = await writeTypes({
    workspaceRoot: o.workspaceRoot,
    cwd: o.cwd,
    appRoot: o.app,
    stage: o.stage,
  });
  io.out(
    written.length
      ? // Relative to the workspace, as Nx prints paths: the same lines from any folder and front-end.
        written.map((f) => `wrote ${path.relative(o.workspaceRoot, f)}\n`).join('')
      : 'Types are up to date.\n',
  );
  return 0;
}

export async function secretsCommand(
  sub: string | undefined,
  o: SecretsCommandOptions,
  io: Output,
): Promise<number> {
  if (!SECRETS_SUBCOMMANDS.includes(sub as SecretsSubcommand))
    throw new NxSstError(`Unknown secrets command "${sub ?? ''}".`, 'Use set, get, list, remove or load.');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the secrets engine and its SSM client, for secrets alone (~55 ms)
  const mod = require('../secrets/secrets') as typeof import('../secrets/secrets.js');
  const { name } = o;
  const opts = {
    workspaceRoot: o.workspaceRoot,
    cwd: o.cwd,
    appRoot: o.app,
    stage: o.stage,
    fallback: o.fallback,
  };
  const appFlag = () => appFlagFor(o.workspaceRoot, o.cwd, o.app);
  const needName = () => {
    if (!name) throw new NxSstError(`Missing the secret name: nx-sst secrets ${sub} <name>`);
    return name;
  };
  switch (sub as SecretsSubcommand) {
    case 'set': {
      const secretName = needName();
      // A value on the command line ends up in shell history; stdin does not.
      const value = o.value === undefined || o.value === '-' ? await o.readValue?.() : o.value;
      if (value === undefined) {
        const app = await appFlag();
        throw new NxSstError(
          'Missing the value.',
          `nx-sst secrets set ${secretName} <value>${app}, or pipe it in: … | nx-sst secrets set ${secretName}${app}`,
        );
      }
      await mod.setSecret({ ...opts, name: secretName, value });
      io.err(`✔ Set ${secretName}${o.fallback ? ' (fallback)' : ''}\n`);
      return 0;
    }
    case 'get': {
      const got = await mod.getSecret({ ...opts, name: needName() });
      if (got === undefined)
        throw new NxSstError(
          `"${name}" is not set${o.fallback ? ' as a fallback' : ''}.`,
          `nx-sst secrets set ${name} <value>${o.fallback ? ' --fallback' : ''}${await appFlag()}`,
        );
      io.out(got + (io.outIsTerminal ? '\n' : ''));
      return 0;
    }
    case 'list': {
      const format = o.format ?? 'table';
      if (!['table', 'env', 'json'].includes(format))
        throw new NxSstError(`Unknown format "${format}".`, 'Use table, env or json.');
      io.out(mod.formatSecrets(await mod.listSecrets(opts), format as SecretsFormat));
      return 0;
    }
    case 'remove': {
      if (!(await mod.removeSecret({ ...opts, name: needName() })))
        throw new NxSstError(`"${name}" is not set${o.fallback ? ' as a fallback' : ''}.`);
      io.err(`✔ Removed ${name}${o.fallback ? ' (fallback)' : ''}\n`);
      return 0;
    }
    case 'load': {
      if (!name) throw new NxSstError('Missing the file: nx-sst secrets load <file.env>');
      const { names } = await mod.loadSecrets({ ...opts, file: path.resolve(o.cwd, name) });
      io.err(`✔ Set ${names.length} secret(s): ${names.join(', ')}\n`);
      return 0;
    }
  }
}

export async function localCommand(
  sub: string | undefined,
  o: { workspaceRoot: string },
  io: Output,
): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the local cloud's client, for local alone (~7 ms)
  const cloud = require('@nx-sst/local-cloud') as typeof import('@nx-sst/local-cloud');
  const stateDir = localCloudDir(o.workspaceRoot);
  switch (sub) {
    case 'start': {
      const c = await cloud.startLocalCloud({ stateDir });
      io.out(
        `Local cloud running at ${c.endpoint} (account ${c.accountId}, ${c.region}${c.iam ? ', IAM enforced' : ''}).\n`,
      );
      return 0;
    }
    case 'stop':
      io.out(
        (await cloud.stopDaemon(stateDir)) ? 'Local cloud stopped.\n' : 'Local cloud was not running.\n',
      );
      return 0;
    case 'status': {
      const status = await cloud.localCloudStatus(stateDir);
      if (status.running) {
        io.out(`Local cloud running at http://127.0.0.1:${status.info.port} (pid ${status.info.pid}).\n`);
        return 0;
      }
      io.out('Local cloud is not running.\n');
      // As `nx-sst-local status` does: a script can test whether the cloud is up.
      return 3;
    }
    case 'reset':
      await cloud.resetLocalCloud(stateDir);
      io.out('Local cloud stopped and its state deleted.\n');
      return 0;
    default:
      throw new NxSstError(`Unknown local command "${sub ?? ''}".`, 'Use start, stop, status or reset.');
  }
}

/**
 * `cron run <id>`: runs a Cron's job now on the local cloud. The job's answer goes to `out` (one
 * line per function target), progress and failures to `err`; 1 when a target failed.
 */
export async function cronCommand(
  sub: string | undefined,
  o: AppOptions & { id?: string },
  io: Output,
): Promise<number> {
  if (sub !== 'run')
    throw new NxSstError(`Unknown cron command "${sub ?? ''}".`, 'Use run: nx-sst cron run <id>');
  if (!o.id)
    throw new NxSstError(
      'Missing the Cron id: nx-sst cron run <id>',
      'The id as written in the stacks: new Cron(stack, "nightly", …) is nightly.',
    );
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: cron's engine and its SDK client, for cron alone (~57 ms)
  const { runCron } = require('../cron/cron') as typeof import('../cron/cron.js');
  const { cron, run } = await runCron({
    workspaceRoot: o.workspaceRoot,
    cwd: o.cwd,
    appRoot: o.app,
    stage: o.stage,
    id: o.id,
    say: (line) => io.err(line),
  });
  if (run.targets.length === 0)
    throw new NxSstError(`The rule of Cron "${cron.id}" has no function target to run.`);
  let failed = false;
  for (const target of run.targets) {
    const name = target.functionArn.split(':')[6] ?? target.functionArn;
    if (target.ok) {
      io.err(`✔ ${name} finished${target.durationMs === undefined ? '' : ` in ${Math.round(target.durationMs)} ms`}
`);
      io.out(`${(target.payload ?? 'null').trim() || 'null'}
`);
      continue;
    }
    failed = true;
    io.err(
      `✖ Cron "${cron.id}": ${name} failed: ${target.error?.errorType ?? 'Error'}: ${target.error?.errorMessage ?? ''}
` +
        `  Its log: ${path.join('.sst', 'local-cloud', 'functions', 'logs', `${name}.log`)}
`,
    );
  }
  return failed ? 1 : 0;
}

/** Prints a failed command's error as every front-end does; returns the exit code. */
export function reportError(error: unknown, io: Pick<Output, 'err'> = processOutput): number {
  // An expected failure (throttling, a cloud gone, moto missing) is told with its fix, not a stack trace.
  if (!isNxSstError(error)) error = explainError(error) ?? error;
  if (isNxSstError(error)) {
    io.err(`✖ ${error.message}\n${error.hint ? `  ${error.hint.replace(/\n/g, '\n  ')}\n` : ''}`);
    return error.exitCode;
  }
  io.err(`✖ ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}
