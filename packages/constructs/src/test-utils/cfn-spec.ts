import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/**
 * The CloudFormation resource specification as the template validator needs it: for each resource type its
 * properties (type, required), its attribute names and the property types it uses. Read from
 * `@aws-cdk/aws-service-spec` (the database aws-cdk-lib's L1 classes are generated from).
 */
export interface CfnSpec {
  /** Version of `@aws-cdk/aws-service-spec` it was read from. */
  readonly version: string;
  /** The resource type (`AWS::SSM::Parameter`), undefined when CloudFormation has no such type. */
  resource(type: string): CfnResourceSpec | undefined;
}

export interface CfnResourceSpec {
  readonly properties: Record<string, CfnPropertySpec>;
  readonly attributes: string[];
  /** The property types its properties refer to, by the database's id. */
  readonly types: Record<string, CfnTypeSpec>;
}

export interface CfnTypeSpec {
  /** `AWS::Lambda::Function.Environment` */
  readonly name: string;
  readonly properties: Record<string, CfnPropertySpec>;
}

export interface CfnPropertySpec {
  readonly required?: boolean;
  /** The current type, then earlier ones CloudFormation still accepts. */
  readonly types: CfnType[];
}

export type CfnType =
  | { type: 'string'; allowedValues?: string[] }
  | { type: 'integer'; allowedValues?: number[] }
  | { type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; ref: string }
  | { type: 'array' | 'map'; element: CfnType }
  | { type: 'union'; types: CfnType[] };

// Bump when the shape of the cached files changes, so older ones are not read as the new shape.
const FORMAT = 2;

let loaded: CfnSpec | undefined;

/**
 * The specification, cached on disk per version and read per resource type. The database is 15 MB of JSON
 * (0.4 s to load, more on a busy machine) and Jest gives every test file a fresh module registry, so the
 * first use splits it into one small file per resource type (with the property types it uses) in the OS
 * temp folder; a test file then reads only the types its templates hold.
 */
export function cfnSpec(): CfnSpec {
  if (loaded) return loaded;
  const pkgJson = require.resolve('@aws-cdk/aws-service-spec/package.json');
  const version = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const dir = cacheDir(version);
  if (!fs.existsSync(dir)) {
    const split = readSpec(path.join(path.dirname(pkgJson), 'db.json.gz'));
    // Written aside and renamed whole, so a parallel Jest worker never sees half of it.
    const temp = `${dir}.${process.pid}.tmp`;
    fs.rmSync(temp, { recursive: true, force: true });
    fs.mkdirSync(temp, { recursive: true });
    for (const [type, resource] of Object.entries(split))
      fs.writeFileSync(path.join(temp, fileOf(type)), JSON.stringify(resource));
    try {
      fs.renameSync(temp, dir);
    } catch (error) {
      // Another worker renamed its copy first.
      fs.rmSync(temp, { recursive: true, force: true });
      if (!fs.existsSync(dir)) throw error;
    }
  }
  const resources = new Map<string, CfnResourceSpec | undefined>();
  loaded = {
    version,
    resource(type) {
      if (!resources.has(type)) {
        const file = path.join(dir, fileOf(type));
        resources.set(
          type,
          fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as CfnResourceSpec) : undefined,
        );
      }
      return resources.get(type);
    },
  };
  return loaded;
}

/** The folder of the cached specification of `version`. */
export function cacheDir(version: string): string {
  return path.join(os.tmpdir(), `nx-sst-cfn-spec-${version}-v${FORMAT}`);
}

function fileOf(type: string): string {
  return `${type.replace(/::/g, '__')}.json`;
}

interface RawProperty {
  required?: boolean;
  type: RawType;
  previousTypes?: RawType[];
}
type RawType = {
  type: string;
  allowedValues?: unknown[];
  element?: RawType;
  types?: RawType[];
  reference?: { $ref: string };
};
interface RawEntity {
  $id: string;
  name: string;
  cloudFormationType?: string;
  properties: Record<string, RawProperty>;
  attributes?: Record<string, unknown>;
}

/** Reads the database file of `@aws-cdk/aws-service-spec` (its own loader builds indexes we do not use). */
export function readSpec(dbFile: string): Record<string, CfnResourceSpec> {
  const db = JSON.parse(zlib.gunzipSync(fs.readFileSync(dbFile)).toString('utf8')) as {
    schema: { resource: { entities: RawEntity[] }; typeDefinition: { entities: RawEntity[] } };
  };
  const type = (raw: RawType): CfnType => {
    switch (raw.type) {
      case 'ref':
        return { type: 'ref', ref: raw.reference!.$ref };
      case 'array':
      case 'map':
        return { type: raw.type, element: type(raw.element!) };
      case 'union':
        return { type: 'union', types: raw.types!.map(type) };
      case 'string':
      case 'integer':
        return raw.allowedValues
          ? ({ type: raw.type, allowedValues: raw.allowedValues } as CfnType)
          : { type: raw.type };
      default:
        return { type: raw.type } as CfnType;
    }
  };
  const properties = (props: Record<string, RawProperty>): Record<string, CfnPropertySpec> =>
    Object.fromEntries(
      Object.entries(props).map(([name, p]) => [
        name,
        {
          ...(p.required ? { required: true } : {}),
          types: [p.type, ...(p.previousTypes ?? [])].map(type),
        },
      ]),
    );
  const typeDefinitions = new Map(db.schema.typeDefinition.entities.map((t) => [t.$id, t]));
  const refsOf = (props: Record<string, CfnPropertySpec>): string[] => {
    const out: string[] = [];
    const visit = (t: CfnType) => {
      if (t.type === 'ref') out.push(t.ref);
      else if (t.type === 'array' || t.type === 'map') visit(t.element);
      else if (t.type === 'union') t.types.forEach(visit);
    };
    for (const p of Object.values(props)) p.types.forEach(visit);
    return out;
  };

  const resources: Record<string, CfnResourceSpec> = {};
  for (const r of db.schema.resource.entities) {
    const cfnType = r.cloudFormationType!;
    const own = properties(r.properties);
    // The property types reachable from its properties, however deep.
    const types: Record<string, CfnTypeSpec> = {};
    const queue = refsOf(own);
    while (queue.length) {
      const id = queue.pop()!;
      const def = typeDefinitions.get(id);
      if (types[id] || !def) continue;
      types[id] = { name: `${cfnType}.${def.name}`, properties: properties(def.properties) };
      queue.push(...refsOf(types[id].properties));
    }
    resources[cfnType] = { properties: own, attributes: Object.keys(r.attributes ?? {}), types };
  }
  return resources;
}
