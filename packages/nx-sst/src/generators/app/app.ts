import {
  addProjectConfiguration,
  formatFiles,
  getProjects,
  joinPathFragments,
  offsetFromRoot,
  runTasksInSerial,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { initGenerator } from '../init/init';
import {
  assertInsideWorkspace,
  configuredAppName,
  findInfraApps,
  SST_CONFIG_FILES,
} from '../utils/infra-app';
import type { AppGeneratorSchema } from './schema';

const PROJECT_NAME = /^[a-zA-Z][a-zA-Z0-9-]*$/;
const APP_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

interface NormalizedOptions extends Required<Pick<AppGeneratorSchema, 'name' | 'region'>> {
  root: string;
  appName: string;
  tags: string[];
}

export async function appGenerator(tree: Tree, schema: AppGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  const tasks: GeneratorCallback[] = [];
  tasks.push(await initGenerator(tree, { skipPackageJson: schema.skipPackageJson, skipFormat: true }));

  const existing = getProjects(tree).get(options.name);
  if (!existing) {
    addProjectConfiguration(tree, options.name, {
      root: options.root,
      projectType: 'application',
      sourceRoot: options.root,
      tags: options.tags,
      // deploy, remove, diff, types and secrets are inferred by the nx-sst plugin from sst.config.ts.
      targets: {},
    });
  }
  writeIfMissing(tree, joinPathFragments(options.root, 'sst.config.ts'), sstConfig(options));
  writeIfMissing(tree, joinPathFragments(options.root, 'stacks', 'Default.ts'), defaultStack());
  writeIfMissing(tree, joinPathFragments(options.root, 'tsconfig.json'), tsconfig(tree, options.root));

  if (!schema.skipFormat) await formatFiles(tree);
  return runTasksInSerial(...tasks);
}

function normalizeOptions(tree: Tree, schema: AppGeneratorSchema): NormalizedOptions {
  const name = schema.name;
  if (!name || !PROJECT_NAME.test(name)) {
    throw new Error(
      `Invalid app name '${name ?? ''}': use letters, digits and '-', starting with a letter (e.g. 'infra').`,
    );
  }
  const root = assertInsideWorkspace(schema.directory ?? joinPathFragments('apps', name), 'directory');
  const appName = schema.appName ?? name;
  if (!APP_NAME.test(appName)) {
    throw new Error(
      `Invalid SST app name '${appName}': use letters, digits and '-', starting with a letter.`,
    );
  }
  const existing = getProjects(tree).get(name);
  if (existing && existing.root !== root) {
    throw new Error(`A project named '${name}' already exists at ${existing.root}. Choose another name.`);
  }
  for (const other of getProjects(tree).values()) {
    if (other.root === root && existing?.root !== root) {
      throw new Error(`${root} already holds another project. Choose another directory.`);
    }
  }
  if (existing && !SST_CONFIG_FILES.some((f) => tree.exists(joinPathFragments(root, f)))) {
    throw new Error(`Project '${name}' already exists and is not an nx-sst app. Choose another name.`);
  }
  for (const app of findInfraApps(tree)) {
    if (app.root !== root && configuredAppName(tree.read(app.configFile, 'utf-8')!) === appName) {
      throw new Error(
        `The infra app '${app.name}' already uses the SST app name '${appName}': stack and SSM names would collide. ` +
          `Pass --appName with another name.`,
      );
    }
  }
  return {
    name,
    root,
    appName,
    region: schema.region ?? 'us-east-1',
    tags: (schema.tags ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  };
}

/** Never overwrite what the user has written: a second run keeps their stacks. */
function writeIfMissing(tree: Tree, path: string, content: string): void {
  if (!tree.exists(path)) tree.write(path, content);
}

function sstConfig(options: NormalizedOptions): string {
  return `import type { SSTConfig } from '@nx-sst/constructs';
import { Default } from './stacks/Default';

export default {
  config(_input) {
    return { name: '${options.appName}', region: '${options.region}' };
  },
  stacks(app) {
    app.stack(Default);
  },
} satisfies SSTConfig;
`;
}

function defaultStack(): string {
  return `import { type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
}
`;
}

function tsconfig(tree: Tree, root: string): string {
  const base = tree.exists('tsconfig.base.json') ? 'tsconfig.base.json' : undefined;
  const config = {
    ...(base ? { extends: `${offsetFromRoot(root)}${base}` } : {}),
    compilerOptions: {
      target: 'ES2022',
      module: 'Node16',
      moduleResolution: 'Node16',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: ['sst.config.ts', 'stacks/**/*.ts'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export default appGenerator;
