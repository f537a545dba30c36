import { formatFiles, type Tree } from '@nx/devkit';
import { addConstruct } from '../utils/add-construct';
import { assertInsideWorkspace } from '../utils/infra-app';
import type { ResourceGeneratorSchema, ResourceType } from './schema';

const TYPES: Record<ResourceType, string> = {
  bucket: 'Bucket',
  table: 'Table',
  topic: 'Topic',
  queue: 'Queue',
  'event-bus': 'EventBus',
  'kinesis-stream': 'KinesisStream',
  function: 'Function',
  api: 'Api',
  rds: 'RDS',
  cron: 'Cron',
  parameter: 'Parameter',
};

export async function resourceGenerator(tree: Tree, schema: ResourceGeneratorSchema): Promise<void> {
  const type = TYPES[schema.type];
  if (!type) {
    throw new Error(`Unknown resource type '${schema.type}'. Use one of: ${Object.keys(TYPES).join(', ')}.`);
  }
  addConstruct(tree, {
    app: schema.app,
    stack: schema.stack,
    type,
    id: schema.name,
    props: props(tree, schema),
    bind: schema.bind,
    client: schema.client,
    wrapTargets: schema.wrapTargets,
    what: 'resource',
  });
  if (!schema.skipFormat) await formatFiles(tree);
}

/** The smallest props each construct needs to deploy; users grow them from there. */
function props(tree: Tree, schema: ResourceGeneratorSchema): string | undefined {
  switch (schema.type) {
    case 'table':
      return `{ fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } }`;
    case 'function':
      return `{ handler: ${literal(handler(tree, schema, true)!)} }`;
    case 'cron':
      return `{ schedule: 'rate(1 day)', job: ${literal(handler(tree, schema, true)!)} }`;
    case 'api': {
      const h = handler(tree, schema, false);
      return h ? `{ routes: { 'GET /': ${literal(h)} } }` : undefined;
    }
    case 'rds':
      return `{ engine: 'postgresql16', defaultDatabaseName: ${literal(schema.name.replace(/[^a-zA-Z0-9_]/g, '_'))} }`;
    case 'parameter':
      return `{ value: ${literal(schema.value ?? '')} }`;
    default:
      return undefined;
  }
}

/** A workspace-relative handler (`libs/fns/src/index.handler`) whose file exists. */
function handler(tree: Tree, schema: ResourceGeneratorSchema, required: boolean): string | undefined {
  if (!schema.handler) {
    if (!required) return undefined;
    throw new Error(
      `A ${schema.type} needs --handler: the file and export of its code, relative to the workspace root ` +
        `(e.g. --handler libs/functions/src/index.handler).`,
    );
  }
  const value = assertInsideWorkspace(schema.handler, 'handler');
  const match = /^(.+)\.([A-Za-z_$][\w$]*)$/.exec(value);
  const files = match ? ['.ts', '.mts', '.js', '.mjs', '.tsx', '.jsx'].map((ext) => `${match[1]}${ext}`) : [];
  if (!match || !files.some((f) => tree.exists(f))) {
    throw new Error(
      `Handler '${schema.handler}' does not point at a file: write it as <file without extension>.<export> ` +
        `(e.g. libs/functions/src/index.handler for the export 'handler' of libs/functions/src/index.ts), ` +
        `and create the file first.`,
    );
  }
  return value;
}

/** A single-quoted TypeScript string literal. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

export default resourceGenerator;
