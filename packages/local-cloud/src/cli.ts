#!/usr/bin/env node
import * as path from 'node:path';
import { localCloudStatus, resetLocalCloud, startLocalCloud, stopDaemon } from './local-cloud';

const USAGE = `Usage: nx-sst-local <start|stop|status|reset> [--state-dir DIR] [--port N] [--iam]

  start   start the local cloud (or connect to the running one) and print its environment
  stop    stop the daemon of the state directory
  status  tell whether it runs, and where
  reset   stop it and delete its state

The state directory defaults to .sst/local-cloud under the current directory.`;

function parse(argv: string[]) {
  const [command, ...rest] = argv;
  let stateDir = path.resolve('.sst', 'local-cloud');
  let port: number | undefined;
  let iam: boolean | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--state-dir') stateDir = path.resolve(rest[++i] ?? '');
    else if (arg === '--port') port = Number(rest[++i]);
    else if (arg === '--iam') iam = true;
    else throw new Error(`Unknown argument "${arg}"\n\n${USAGE}`);
  }
  return { command, stateDir, port, iam };
}

async function main(): Promise<number> {
  const { command, stateDir, port, iam } = parse(process.argv.slice(2));
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
    case 'reset':
      await resetLocalCloud(stateDir);
      process.stdout.write('Stopped and reset: the state is gone.\n');
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === '--help' ? 0 : 2;
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`nx-sst-local: ${e.message}\n`);
    process.exit(1);
  },
);
