#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NxSstError } from '../core/errors';
import { findWorkspaceRoot } from '../core/workspace';

// The child of `bind` gets the environment we were started with, untouched.
const startEnv = { ...process.env };
// The SDK's advice to move to Node 22 would otherwise open every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage: nx-sst <command> [options]

Commands:
  deploy                     Deploy the infra app to a stage (synth, assets, change sets)
  remove                     Remove every stack of the app from a stage
  diff                       Show what a deploy would change
  dev                        Deploy to local, then swap function code as sources change (Ctrl-C stops)
  types                      Write .sst/types and each bound project's sst-env.d.ts (offline)
  bind -- <command> [args…]  Run a command with the values and role of what is bound here
  secrets set <name> [value] Set a secret (value from stdin when omitted)
  secrets get <name>         Print a secret's value
  secrets list [table|env|json]
  secrets remove <name>
  secrets load <file.env>    Set every secret of a .env file
  local start|stop|status|reset   Manage this workspace's local cloud (status: exit 3 when down)
  cron run <id>              Run a Cron's job now on the local stage; prints its answer (exit 1 when it fails)

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
  --force            (deploy) deploy even when nothing changed since the last deploy
  --stacks <a,b>     (deploy, remove, diff) only these stacks
  --concurrency <n>  (deploy, remove, dev) stacks deployed in parallel when independent (default 4)
  --format <f>       (secrets) list as table, env or json
  --verbose          (deploy, remove, diff, dev) show toolkit-lib's detailed messages
  -h, --help         Show this help
`;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: `--help`, `--version` and bad options load none of the commands (~6 ms)
const commands = () => require('../commands/commands') as typeof import('../commands/commands.js');
const processOutput = () => commands().processOutput;

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
  force: { type: 'boolean' },
  stacks: { type: 'string' },
  concurrency: { type: 'string' },
  format: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Option = keyof typeof OPTIONS;

/** The options each command takes (besides --help and --version); any other is refused, not ignored. */
const COMMAND_OPTIONS: Record<string, Option[]> = {
  deploy: ['stage', 'app', 'bootstrap', 'stacks', 'concurrency', 'force', 'verbose'],
  diff: ['stage', 'app', 'stacks', 'verbose'],
  dev: ['stage', 'app', 'concurrency', 'verbose'],
  remove: ['stage', 'app', 'stacks', 'concurrency', 'verbose'],
  types: ['stage', 'app'],
  bind: ['stage', 'app', 'target', 'script', 'shell', 'mask', 'like-lambda'],
  secrets: ['stage', 'app', 'fallback'],
  'secrets list': ['stage', 'app', 'fallback', 'format'],
  local: [],
  cron: ['stage', 'app'],
};

function checkOptions(command: string, sub: string | undefined, given: Option[]): void {
  const allowed = COMMAND_OPTIONS[`${command} ${sub}`] ?? COMMAND_OPTIONS[command];
  if (!allowed) return; // an unknown command gets its own error
  const name =
    (command === 'secrets' || command === 'local' || command === 'cron') && sub
      ? `${command} ${sub}`
      : command;
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
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir (src), where no import can reach
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
  const common = { workspaceRoot, cwd, app: values.app, stage: values.stage };

  const stacks = values.stacks
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  const stackOptions = { ...common, stacks, verbose: values.verbose, concurrency };

  switch (command) {
    case 'deploy':
      return commands().deployCommand(
        { ...stackOptions, bootstrap: values.bootstrap, force: values.force },
        processOutput(),
      );
    case 'remove':
      return commands().removeCommand(stackOptions, processOutput());
    case 'diff':
      return commands().diffCommand(stackOptions, processOutput());
    case 'dev':
      return commands().devCommand(stackOptions, processOutput());
    case 'types':
      return commands().typesCommand(common, processOutput());
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
      const mask = commands().checkBindOptions(values);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only bind loads its engine (~13 ms)
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
    case 'secrets': {
      const [sub, name, value] = args;
      return commands().secretsCommand(
        sub,
        // `list`'s format may also come as its argument: nx-sst secrets list env
        {
          ...common,
          name,
          value,
          fallback: values.fallback,
          format: values.format ?? (sub === 'list' ? name : undefined),
          readValue: readStdin,
        },
        processOutput(),
      );
    }
    case 'local':
      return commands().localCommand(args[0], { workspaceRoot }, processOutput());
    case 'cron':
      return commands().cronCommand(args[0], { ...common, id: args[1] }, processOutput());
    default:
      throw new NxSstError(`Unknown command "${command}".`, 'Run nx-sst --help for the commands.');
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
  return commands().reportError(error);
}

if (require.main === module) {
  // Exit explicitly: SDK keep-alive sockets and toolkit-lib timers must not keep a finished command alive.
  const exit = (code: number) =>
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  main(process.argv.slice(2)).then(exit, (error) => exit(reportError(error)));
}
