#!/usr/bin/env node
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isNxSstError, NxSstError } from '../core/errors';
import { findWorkspaceRoot } from '../core/workspace';
import type { formatStacks } from '../deploy/summary';

// The child of `bind` gets the environment we were started with, untouched.
const startEnv = { ...process.env };
// The SDK's advice to move to Node 22 would otherwise open every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage: nx-sst <command> [options]

Commands:
  deploy                     Deploy the infra app to a stage (synth, assets, change sets)
  remove                     Remove every stack of the app from a stage
  diff                       Show what a deploy would change
  types                      Write .sst/types and each bound project's sst-env.d.ts (offline)
  bind -- <command> [args…]  Run a command with the values and role of what is bound here
  secrets set <name> [value] Set a secret (value from stdin when omitted)
  secrets get <name>         Print a secret's value
  secrets list [table|env|json]
  secrets remove <name>
  secrets load <file.env>    Set every secret of a .env file
  local start|stop|status|reset   Manage this workspace's local cloud

Options:
  --stage <name>     Stage (default: SST_STAGE, then config().stage, then .sst/stage, then "local")
  --app <path|name>  Infra app (its folder or Nx project name), when the workspace has several
  --fallback         (secrets) use the fallback shared by every stage
  --target <id>      (bind) a function, site or service by construct id
  --script           (bind) every value of the stage, for tests not tied to one target
  --shell            (bind) run the command through a shell
  --mask <when>      (bind) mask secrets in the output: auto (when not a terminal), always, never
  --like-lambda      (bind) values kept in SSM stay placeholders until load(), as in the deployed function
  --bootstrap        (deploy) bootstrap the AWS environment first
  --stacks <a,b>     (deploy, remove, diff) only these stacks
  --format <f>       (secrets) list as table, env or json
  --verbose          (deploy, remove, diff) show toolkit-lib's detailed messages
  -h, --help         Show this help
`;

const OPTIONS = {
  stage: { type: 'string' },
  app: { type: 'string' },
  fallback: { type: 'boolean' },
  target: { type: 'string' },
  script: { type: 'boolean' },
  shell: { type: 'boolean' },
  mask: { type: 'string' },
  'like-lambda': { type: 'boolean' },
  bootstrap: { type: 'boolean' },
  stacks: { type: 'string' },
  format: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Option = keyof typeof OPTIONS;

/** The options each command takes (besides --help and --version); any other is refused, not ignored. */
const COMMAND_OPTIONS: Record<string, Option[]> = {
  deploy: ['stage', 'app', 'bootstrap', 'stacks', 'verbose'],
  diff: ['stage', 'app', 'stacks', 'verbose'],
  remove: ['stage', 'app', 'stacks', 'verbose'],
  types: ['stage', 'app'],
  bind: ['stage', 'app', 'target', 'script', 'shell', 'mask', 'like-lambda'],
  secrets: ['stage', 'app', 'fallback'],
  'secrets list': ['stage', 'app', 'fallback', 'format'],
  local: [],
};

function checkOptions(command: string, sub: string | undefined, given: Option[]): void {
  const allowed = COMMAND_OPTIONS[`${command} ${sub}`] ?? COMMAND_OPTIONS[command];
  if (!allowed) return; // an unknown command gets its own error
  const name = (command === 'secrets' || command === 'local') && sub ? `${command} ${sub}` : command;
  const foreign = given.filter((o) => o !== 'help' && o !== 'version' && !allowed.includes(o));
  if (!foreign.length) return;
  const where = (o: Option) =>
    Object.keys(COMMAND_OPTIONS).filter(
      (c) => COMMAND_OPTIONS[c].includes(o) && !(c === 'secrets list' && COMMAND_OPTIONS.secrets.includes(o)),
    );
  throw new NxSstError(
    `${foreign.map((o) => `--${o}`).join(', ')} ${foreign.length > 1 ? 'do' : 'does'} not apply to nx-sst ${name}` +
      ` (${foreign.map((o) => `--${o} is for ${where(o).join(', ')}`).join('; ')}).`,
    allowed.length
      ? `nx-sst ${name} takes ${allowed.map((o) => `--${o}`).join(', ')}.`
      : `nx-sst ${name} takes no options.`,
  );
}

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // Everything after the first `--` belongs to the child command, flags included.
  const dashdash = argv.indexOf('--');
  const ours = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const childCommand = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: ours,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }) as {
      values: Values;
      positionals: string[];
    });
  } catch (error) {
    throw new NxSstError((error as Error).message, 'Run nx-sst --help for the options.');
  }
  if (values.version) {
    process.stdout.write(`${require('../../package.json').version}\n`);
    return 0;
  }
  const [command, ...args] = positionals;
  if (command) checkOptions(command, args[0], Object.keys(values) as Option[]);
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 1;
  }
  const cwd = process.cwd();
  const workspaceRoot = findWorkspaceRoot(cwd);
  const common = { workspaceRoot, cwd, appRoot: values.app, stage: values.stage };
  const stacks = values.stacks
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const io = { verbose: values.verbose };

  switch (command) {
    case 'deploy': {
      const { deploy } = require('../deploy/deploy') as typeof import('../deploy/deploy.js');
      const result = await deploy({ ...common, bootstrap: values.bootstrap, stacks, io });
      printStacks(`Deployed ${result.app} to the stage "${result.stage}"`, result);
      return 0;
    }
    case 'remove': {
      const { remove } = require('../deploy/deploy') as typeof import('../deploy/deploy.js');
      const result = await remove({ ...common, stacks, io });
      printStacks(`Removed ${result.app} from the stage "${result.stage}"`, result);
      return 0;
    }
    case 'diff': {
      const { diff } = require('../deploy/deploy') as typeof import('../deploy/deploy.js');
      const result = await diff({ ...common, stacks, io });
      const total = Object.values(result.changes).reduce((a, b) => a + b, 0);
      process.stdout.write(
        `\n${total ? `${total} change(s)` : 'No changes'} for ${result.app} on the stage "${result.stage}".\n`,
      );
      return 0;
    }
    case 'types': {
      const { writeTypes } = require('../types/write-types') as typeof import('../types/write-types.js');
      const { written } = await writeTypes(common);
      process.stdout.write(
        written.length
          ? written.map((f) => `wrote ${path.relative(cwd, f)}\n`).join('')
          : 'Types are up to date.\n',
      );
      return 0;
    }
    case 'bind': {
      if (args.length) {
        throw new NxSstError(
          `Put the command after --: nx-sst bind ${ours.filter((a) => a !== command && !args.includes(a)).join(' ')} -- ${args.join(' ')}`.replace(
            /\s+/g,
            ' ',
          ),
          'Everything after -- goes to the command untouched, flags included.',
        );
      }
      if (values.target && values.script) throw new NxSstError('Use either --target or --script, not both.');
      const mask = values.mask ?? 'auto';
      if (mask !== 'auto' && mask !== 'always' && mask !== 'never') {
        throw new NxSstError(`Unknown --mask "${mask}".`, 'Use auto, always or never.');
      }
      const { runBound } = require('../bind/bind') as typeof import('../bind/bind.js');
      return runBound({
        workspaceRoot,
        cwd,
        stage: values.stage,
        app: values.app,
        target: values.target,
        script: values.script,
        shell: values.shell,
        mask,
        likeLambda: values['like-lambda'],
        command: childCommand,
        env: startEnv,
      });
    }
    case 'secrets':
      return secrets(args, values, common);
    case 'local':
      return local(args[0], workspaceRoot);
    default:
      throw new NxSstError(`Unknown command "${command}".`, 'Run nx-sst --help for the commands.');
  }
}

function printStacks(title: string, result: Parameters<typeof formatStacks>[1]) {
  const { formatStacks: format } = require('../deploy/summary') as typeof import('../deploy/summary.js');
  process.stdout.write(format(title, result));
}

async function secrets(
  args: string[],
  values: Values,
  common: { workspaceRoot: string; cwd: string; appRoot?: string; stage?: string },
) {
  const mod = require('../secrets/secrets') as typeof import('../secrets/secrets.js');
  const [sub, name, value] = args;
  const opts = { ...common, fallback: values.fallback };
  const needName = () => {
    if (!name) throw new NxSstError(`Missing the secret name: nx-sst secrets ${sub} <name>`);
    return name;
  };
  switch (sub) {
    case 'set': {
      // A value on the command line ends up in shell history; stdin does not.
      const secret = value === undefined || value === '-' ? await readStdin() : value;
      if (secret === undefined)
        throw new NxSstError(
          'Missing the value.',
          `nx-sst secrets set ${name ?? '<name>'} <value>, or pipe it in: … | nx-sst secrets set ${name ?? '<name>'}`,
        );
      await mod.setSecret({ ...opts, name: needName(), value: secret });
      process.stderr.write(`✔ Set ${name}${values.fallback ? ' (fallback)' : ''}\n`);
      return 0;
    }
    case 'get': {
      const got = await mod.getSecret({ ...opts, name: needName() });
      if (got === undefined)
        throw new NxSstError(
          `"${name}" is not set${values.fallback ? ' as a fallback' : ''}.`,
          `nx-sst secrets set ${name} <value>`,
        );
      process.stdout.write(got + (process.stdout.isTTY ? '\n' : ''));
      return 0;
    }
    case 'list': {
      const format = (values.format ?? name ?? 'table') as 'table' | 'env' | 'json';
      if (!['table', 'env', 'json'].includes(format))
        throw new NxSstError(`Unknown format "${format}".`, 'Use table, env or json.');
      process.stdout.write(mod.formatSecrets(await mod.listSecrets(opts), format));
      return 0;
    }
    case 'remove': {
      if (!(await mod.removeSecret({ ...opts, name: needName() })))
        throw new NxSstError(`"${name}" is not set.`);
      process.stderr.write(`✔ Removed ${name}\n`);
      return 0;
    }
    case 'load': {
      if (!name) throw new NxSstError('Missing the file: nx-sst secrets load <file.env>');
      const { names } = await mod.loadSecrets({ ...opts, file: path.resolve(common.cwd, name) });
      process.stderr.write(`✔ Set ${names.length} secret(s): ${names.join(', ')}\n`);
      return 0;
    }
    default:
      throw new NxSstError(`Unknown secrets command "${sub ?? ''}".`, 'Use set, get, list, remove or load.');
  }
}

async function local(sub: string | undefined, workspaceRoot: string): Promise<number> {
  const cloud = require('@nx-sst/local-cloud') as typeof import('@nx-sst/local-cloud');
  const { localCloudDir } = require('../core/cloud') as typeof import('../core/cloud.js');
  const stateDir = localCloudDir(workspaceRoot);
  switch (sub) {
    case 'start': {
      const c = await cloud.startLocalCloud({ stateDir });
      process.stdout.write(
        `Local cloud running at ${c.endpoint} (account ${c.accountId}, ${c.region}${c.iam ? ', IAM enforced' : ''}).\n`,
      );
      return 0;
    }
    case 'stop':
      process.stdout.write(
        (await cloud.stopDaemon(stateDir)) ? 'Local cloud stopped.\n' : 'Local cloud was not running.\n',
      );
      return 0;
    case 'status': {
      const status = await cloud.localCloudStatus(stateDir);
      process.stdout.write(
        status.running
          ? `Local cloud running at http://127.0.0.1:${status.info.port} (pid ${status.info.pid}).\n`
          : 'Local cloud is not running.\n',
      );
      return 0;
    }
    case 'reset':
      await cloud.resetLocalCloud(stateDir);
      process.stdout.write('Local cloud stopped and its state deleted.\n');
      return 0;
    default:
      throw new NxSstError(`Unknown local command "${sub ?? ''}".`, 'Use start, stop, status or reset.');
  }
}

function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('utf8')
          .replace(/\r?\n$/, ''),
      ),
    );
    process.stdin.on('error', reject);
  });
}

export function reportError(error: unknown): number {
  if (isNxSstError(error)) {
    process.stderr.write(
      `✖ ${error.message}\n${error.hint ? `  ${error.hint.replace(/\n/g, '\n  ')}\n` : ''}`,
    );
    return error.exitCode;
  }
  process.stderr.write(`✖ ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

if (require.main === module) {
  // Exit explicitly: SDK keep-alive sockets and toolkit-lib timers must not keep a finished command alive.
  const exit = (code: number) =>
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  main(process.argv.slice(2)).then(exit, (error) => exit(reportError(error)));
}
