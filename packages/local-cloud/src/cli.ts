#!/usr/bin/env node
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  localCloudStatus,
  recoverJournal,
  resetLocalCloud,
  startLocalCloud,
  stopDaemon,
} from './local-cloud';

const COMMANDS = ['start', 'stop', 'status', 'reset', 'recover'] as const;
type Command = (typeof COMMANDS)[number];

const USAGE = `Usage: nx-sst-local <start|stop|status|reset|recover> [--state-dir DIR] [--port N] [--iam]
       nx-sst-local --help

  start   start the local cloud (or connect to the running one) and print its environment
  stop    stop the daemon of the state directory
  status  tell whether it runs, and where (exit code 0 when running, 3 when not)
  reset   stop it and delete its state
  recover after the start refused a damaged journal: keep a copy of it and start
          from the records before the damage (the writes after it are lost)

The state directory defaults to .sst/local-cloud under the current directory.`;

/** A command line we cannot run: the message names what is wrong; the usage follows it. */
class UsageError extends Error {}

type Parsed =
  { help: true } | { help: false; command: Command; stateDir: string; port?: number; iam?: boolean };

function parse(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'state-dir': { type: 'string' },
        port: { type: 'string' },
        iam: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // node's messages name the option ("Unknown option '--bogus'", "Option '--port <value>' argument missing").
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { help: true };
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('No command given.');
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new UsageError(`Unknown command "${command}" (commands: ${COMMANDS.join(', ')}).`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}" after "${command}".`);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535)
      throw new UsageError(`--port needs a port number from 0 to 65535, not "${values.port}".`);
  }
  return {
    help: false,
    command: command as Command,
    stateDir: path.resolve(values['state-dir'] ?? path.join('.sst', 'local-cloud')),
    port,
    iam: values.iam,
  };
}

async function main(): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`nx-sst-local: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { command, stateDir, port, iam } = parsed;
  switch (command) {
    case 'start': {
      const cloud = await startLocalCloud({ stateDir, port, iam });
      process.stdout.write(
        `Local cloud on ${cloud.endpoint} (account ${cloud.accountId}, ${cloud.region})\n`,
      );
      for (const [key, value] of Object.entries(cloud.env)) process.stdout.write(`export ${key}=${value}\n`);
      return 0;
    }
    case 'stop':
      process.stdout.write((await stopDaemon(stateDir)) ? 'Stopped.\n' : 'Not running.\n');
      return 0;
    case 'status': {
      const status = await localCloudStatus(stateDir);
      if (status.running) {
        const { info } = status;
        process.stdout.write(
          `Running: http://127.0.0.1:${info.port} (pid ${info.pid}, account ${info.accountId}, ${info.region}` +
            `${info.iam ? ', IAM enforced' : ''}, since ${info.startedAt})\n`,
        );
        return 0;
      }
      process.stdout.write(`Not running (state in ${stateDir}).\n`);
      return 3;
    }
    case 'recover': {
      const cut = await recoverJournal(stateDir);
      if (!cut) {
        process.stdout.write('The journal has no damaged record: nothing to recover.\n');
        return 0;
      }
      process.stdout.write(
        `Kept the ${cut.kept} record(s) before byte ${cut.offset}; the ${cut.lost} intact record(s) after the ` +
          `damage are not replayed. The whole damaged journal is kept as ${cut.copy}.\n`,
      );
      return 0;
    }
    case 'reset':
      await resetLocalCloud(stateDir);
      process.stdout.write('Stopped and reset: the state is gone.\n');
      return 0;
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`nx-sst-local: ${e.message}\n`);
    process.exit(1);
  },
);
