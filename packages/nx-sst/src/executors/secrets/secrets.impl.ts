import type { ExecutorContext } from '@nx/devkit';
import { resolve } from 'node:path';
import { projectRoot, runEngine } from '../utils';
import type { SecretsExecutorSchema } from './schema';

export default async function secretsExecutor(options: SecretsExecutorSchema, context: ExecutorContext) {
  return runEngine(`secrets ${options.command}`, async () => {
    const secrets = require('../../secrets/secrets') as typeof import('../../secrets/secrets');
    const base = {
      workspaceRoot: context.root,
      appRoot: projectRoot(context),
      cwd: context.root,
      stage: options.stage,
      fallback: options.fallback,
    };
    const name = () => {
      if (!options.name)
        throw new Error(
          `secrets ${options.command} needs a name: nx run <app>:secrets ${options.command} NAME`,
        );
      return options.name;
    };
    switch (options.command) {
      case 'set':
        if (options.value === undefined)
          throw new Error('secrets set needs a value: nx run <app>:secrets set NAME VALUE');
        await secrets.setSecret({ ...base, name: name(), value: options.value });
        console.log(`Set ${name()}.`);
        break;
      case 'get': {
        const value = await secrets.getSecret({ ...base, name: name() });
        if (value === undefined) throw new Error(`${name()} is not set.`);
        process.stdout.write(`${value}\n`);
        break;
      }
      case 'list':
        console.log(secrets.formatSecrets(await secrets.listSecrets(base), options.format ?? 'table'));
        break;
      case 'remove':
        await secrets.removeSecret({ ...base, name: name() });
        console.log(`Removed ${name()}.`);
        break;
      case 'load': {
        const { names } = await secrets.loadSecrets({ ...base, file: resolve(context.cwd, name()) });
        console.log(`Loaded ${names.length} secrets: ${names.join(', ')}.`);
        break;
      }
      default:
        throw new Error(
          `Unknown secrets command '${options.command as string}'. Use set, get, list, remove or load.`,
        );
    }
  });
}
