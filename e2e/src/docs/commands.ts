import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../harness/workspace';

/**
 * Checks of the shell commands in the docs against the real command-line interfaces, without
 * running anything: `nx-sst …` through the CLI's own argument parser, `nx g nx-sst:…` through Nx's
 * own option validation against our generators' schemas, `nx run infra:<target> …` as the CLI
 * command the inferred target runs.
 */

const nxSstRoot = dirname(require.resolve('nx-sst/package.json'));
/** The argument parser `nx` itself parses with (its own dependency, so the same version). */
const yargsParser: (
  args: string[],
  options: { configuration: Record<string, boolean> },
) => { _: (string | number)[]; [key: string]: unknown } = require(
  require.resolve('yargs-parser', { paths: [dirname(require.resolve('nx/package.json'))] }),
);
const nxSstPackage = JSON.parse(readFileSync(join(nxSstRoot, 'package.json'), 'utf8'));

/** The inferred targets of an infra app and the CLI command each runs (docs/nx.md). */
const INFERRED_TARGETS = new Set(['deploy', 'diff', 'remove', 'types', 'secrets']);
/** Nx commands the docs may use; they are Nx's, not ours, so only their names are checked. */
const NX_COMMANDS = new Set(['sync', 'sync:check', 'show', 'affected', 'run-many', 'graph', 'reset']);
/** Options of `nx generate` itself, which never reach a generator. */
const NX_GENERATE_OPTIONS = ['dryRun', 'd', 'interactive', 'quiet', 'verbose', 'help', 'defaults'];

/** Splits shell text into simple commands (words), dropping comments, operators and subshell parens. */
export function shellCommands(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
  };
  const src = text.replace(/\\\n/g, ' ');
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < src.length) word += src[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '#' && word === undefined) {
      while (i + 1 < src.length && src[i + 1] !== '\n') i++;
    } else if (c === '\n' || c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      endCommand();
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} in: ${text.trim()}`);
  endCommand();
  return commands;
}

interface CliHelp {
  commands: Map<string, Set<string>>;
  /** option name → whether it takes a value, and the commands it is for (undefined: all) */
  options: Map<string, { value: boolean; for?: Set<string> }>;
}

let cli: { main: (argv: string[]) => Promise<number>; help: CliHelp } | undefined;

/** The built CLI's `main`, and what its `--help` says about commands and options. */
async function nxSstCli() {
  if (cli) return cli;
  const { main } = require(join(nxSstRoot, nxSstPackage.bin['nx-sst']));
  const usage = await quietly(() => main(['--help']));
  const help: CliHelp = { commands: new Map(), options: new Map() };
  const [, commands = '', options = ''] = usage.split(/^(?:Commands|Options):$/m);
  for (const line of commands.split('\n')) {
    const m = line.match(/^ {2}(\w+)(?: ([\w|]+)(?=\s|$))?/);
    if (!m) continue;
    const subs = help.commands.get(m[1]) ?? new Set<string>();
    if (m[2] && !m[2].startsWith('<')) m[2].split('|').forEach((s) => subs.add(s));
    help.commands.set(m[1], subs);
  }
  for (const line of options.split('\n')) {
    const m = line.match(/^ {2}(?:-\w, )?--([\w-]+)( <[^>]+>)?\s+(?:\(([\w, ]+)\))?/);
    if (m) help.options.set(m[1], { value: !!m[2], for: m[3] ? new Set(m[3].split(/,\s*/)) : undefined });
  }
  if (!help.commands.has('deploy') || !help.options.has('stage'))
    throw new Error(`Could not read the commands and options from nx-sst --help:\n${usage}`);
  cli = { main, help };
  return cli;
}

/** Runs `fn` with stdout captured (the CLI prints its help there). */
async function quietly(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

/** Max positionals after the command (and sub-command), per `nx-sst --help`. */
const POSITIONALS: Record<string, number> = {
  'secrets set': 2,
  'secrets get': 1,
  'secrets list': 1,
  'secrets remove': 1,
  'secrets load': 1,
};

/**
 * Checks `nx-sst <args>`: the real parser (`main` with `--help` added, which parses strictly and
 * stops before doing anything) must accept the flags and their values; the command and sub-command
 * must exist and each option must be one `--help` lists for that command.
 */
export async function checkNxSstCli(args: string[]): Promise<void> {
  const { main, help } = await nxSstCli();
  const dashdash = args.indexOf('--');
  const ours = dashdash >= 0 ? args.slice(0, dashdash) : args;
  try {
    await quietly(() => main([...ours, '--help']));
  } catch (error) {
    throw new Error(`nx-sst's parser refuses it: ${(error as Error).message}`);
  }
  const positionals: string[] = [];
  const used: string[] = [];
  for (let i = 0; i < ours.length; i++) {
    const arg = ours[i];
    if (arg.startsWith('-')) {
      const name = arg.replace(/^--?/, '').split('=')[0];
      const option = help.options.get(name === 'h' ? 'help' : name);
      if (!option) throw new Error(`"${arg}" is not an option in nx-sst --help`);
      used.push(name);
      if (option.value && !arg.includes('=')) i++;
    } else positionals.push(arg);
  }
  const [command, sub, ...rest] = positionals;
  const subs = help.commands.get(command);
  if (!subs) throw new Error(`"${command ?? ''}" is not a command of nx-sst (see nx-sst --help)`);
  let operands = positionals.slice(1);
  let name = command;
  if (subs.size) {
    if (!subs.has(sub))
      throw new Error(`"nx-sst ${command} ${sub ?? ''}": use one of ${[...subs].join(', ')}`);
    operands = rest;
    name = `${command} ${sub}`;
  }
  if (operands.length > (POSITIONALS[name] ?? 0))
    throw new Error(`"nx-sst ${name}" takes no argument "${operands.join(' ')}"`);
  for (const option of used) {
    const allowed = help.options.get(option)?.for;
    if (allowed && !allowed.has(command))
      throw new Error(`--${option} is for ${[...allowed].join(', ')}, not "nx-sst ${command}"`);
  }
  if (command === 'bind' && (dashdash === -1 || dashdash === args.length - 1))
    throw new Error('nx-sst bind needs the command after --');
}

/** Checks `nx-sst-local <args>` against its usage line (it has no parse-only entry; see the report). */
export function checkLocalCli(args: string[]): void {
  const [command, ...rest] = args;
  if (!['start', 'stop', 'status', 'reset', 'recover'].includes(command))
    throw new Error(
      `"${command ?? ''}" is not a command of nx-sst-local (start, stop, status, reset, recover)`,
    );
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--state-dir' || rest[i] === '--port') i++;
    else if (rest[i] !== '--iam') throw new Error(`"${rest[i]}" is not an option of nx-sst-local`);
  }
}

interface GeneratorEntry {
  schema: string;
  aliases?: string[];
}

/** Checks the options of `nx g nx-sst:<generator> …` as `nx generate` does before it runs one. */
export async function checkGenerator(args: string[]): Promise<void> {
  // Nx parses with yargs and `strip-dashed`, then camel-cases what the schema knows.
  const parsed = yargsParser(args, { configuration: { 'strip-dashed': true } });
  const [descriptor, ...positionals] = parsed._.map(String);
  const collection = descriptor?.slice(0, descriptor.lastIndexOf(':'));
  const generatorName = descriptor?.slice(descriptor.lastIndexOf(':') + 1);
  if (collection !== 'nx-sst') throw new Error(`"${descriptor}" is not a generator of nx-sst`);
  const generators: Record<string, GeneratorEntry> = JSON.parse(
    readFileSync(join(nxSstRoot, nxSstPackage.generators), 'utf8'),
  ).generators;
  const found = Object.entries(generators).find(
    ([name, entry]) => name === generatorName || entry.aliases?.includes(generatorName),
  );
  if (!found) throw new Error(`nx-sst has no generator "${generatorName}" (generators.json)`);
  const schema = JSON.parse(readFileSync(join(nxSstRoot, found[1].schema), 'utf8'));
  const { combineOptionsForGenerator, convertToCamelCase } = require('nx/src/utils/params');
  const options: Record<string, unknown> = convertToCamelCase(parsed, schema);
  for (const key of [...NX_GENERATE_OPTIONS, '$0']) delete options[key];
  options._ = positionals;
  await nxSchemaCheck(() =>
    combineOptionsForGenerator(options, 'nx-sst', found[0], undefined, {}, schema, false, null, '', false),
  );
}

/** Nx's `SchemaError` is not an `Error`; rethrown as one, with its message. */
async function nxSchemaCheck(check: () => unknown): Promise<void> {
  try {
    await check();
  } catch (error) {
    throw new Error((error as { message?: string }).message ?? String(error));
  }
}

/**
 * Checks an executor's options (a project.json target) with Nx's validation against its schema —
 * strictly: a schema that lets extra options through (the bind executor passes them on to the
 * command) would let a misspelt option in the docs pass too.
 */
export async function checkExecutorOptions(
  executor: string,
  options: Record<string, unknown>,
): Promise<void> {
  const [collection, name] = executor.split(':');
  if (collection !== 'nx-sst') return;
  const executors = JSON.parse(readFileSync(join(nxSstRoot, nxSstPackage.executors), 'utf8')).executors;
  if (!executors[name]) throw new Error(`nx-sst has no executor "${name}" (executors.json)`);
  const schema = JSON.parse(readFileSync(join(nxSstRoot, executors[name].schema), 'utf8'));
  const { validateOptsAgainstSchema } = require('nx/src/utils/params');
  await nxSchemaCheck(() => validateOptsAgainstSchema(options, { ...schema, additionalProperties: false }));
}

/**
 * Checks one simple command. Returns whether it was one of ours (nx-sst, nx-sst-local, nx); other
 * tools (npm, git, cd…) are not checked.
 */
export async function checkCommand(words: string[]): Promise<boolean> {
  let rest = words;
  while (rest.length && /^[A-Z_][A-Z0-9_]*=/.test(rest[0])) rest = rest.slice(1);
  if (rest[0] === 'npx') rest = rest.slice(1);
  const [tool, ...args] = rest;
  if (tool === 'nx-sst') await checkNxSstCli(args);
  else if (tool === 'nx-sst-local') checkLocalCli(args);
  else if (tool === 'nx') await checkNx(args);
  else if (tool === 'npm' && ['install', 'i', 'add'].includes(args[0])) checkNpmInstall(args.slice(1));
  else return false;
  return true;
}

/** Our package names in `npm install …` must be packages of this repo (a renamed one would 404). */
function checkNpmInstall(args: string[]): void {
  const ours = new Set(
    readdirSync(join(repoRoot, 'packages')).map(
      (dir) => JSON.parse(readFileSync(join(repoRoot, 'packages', dir, 'package.json'), 'utf8')).name,
    ),
  );
  for (const arg of args) {
    const name = arg.replace(/(.)@.*$/, '$1');
    if ((name.startsWith('@nx-sst/') || name.startsWith('nx-sst')) && !ours.has(name))
      throw new Error(`"${name}" is not one of our packages (${[...ours].sort().join(', ')})`);
  }
}

async function checkNx(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === 'g' || command === 'generate') return checkGenerator(rest);
  if (command === 'add') {
    if (rest[0] !== 'nx-sst') throw new Error(`"nx add ${rest[0]}": our plugin is "nx-sst"`);
    return;
  }
  if (command === 'run') {
    const [spec, ...forwarded] = rest;
    const [, target] = spec?.split(':') ?? [];
    if (!target) throw new Error(`"nx run ${spec ?? ''}": name project:target`);
    if (INFERRED_TARGETS.has(target))
      return checkNxSstCli([target, ...forwarded.filter((arg, i) => !(arg === '--' && i === 0))]);
    if (forwarded.length)
      throw new Error(`"nx run ${spec} ${forwarded.join(' ')}": options of a wrapped target are not checked`);
    return;
  }
  if (!NX_COMMANDS.has(command)) throw new Error(`"nx ${command}" is not an Nx command the docs should use`);
}
