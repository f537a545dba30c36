import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/**
 * The CloudFormation resource specification as the template validator needs it: for each resource type its
 * properties (type, required) and attribute names, and the property types they refer to. Read from
 * `@aws-cdk/aws-service-spec` (the database aws-cdk-lib's L1 classes are generated from).
 */
export interface CfnSpec {
  /** Version of `@aws-cdk/aws-service-spec` it was read from. */
  readonly version: string;
  readonly resources: Record<string, CfnResourceSpec>;
  /** Property types (`AWS::Lambda::Function.Environment` …) by the database's id. */
  readonly types: Record<string, CfnTypeSpec>;
}

export interface CfnResourceSpec {
  readonly properties: Record<string, CfnPropertySpec>;
  readonly attributes: string[];
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

// Bump when the shape above changes, so an older cached file is not read as the new shape.
const FORMAT = 1;

let loaded: CfnSpec | undefined;

/**
 * The specification, read once per process. The database is 15 MB of JSON (about 0.4 s to load); the
 * subset above is cached in the OS temp folder per version, so each Jest test file (which gets a fresh
 * module registry) reads a few MB instead.
 */
export function cfnSpec(): CfnSpec {
  if (loaded) return loaded;
  const pkgJson = require.resolve('@aws-cdk/aws-service-spec/package.json');
  const version = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const cache = path.join(os.tmpdir(), `nx-sst-cfn-spec-${version}-v${FORMAT}.json`);
  try {
    loaded = JSON.parse(fs.readFileSync(cache, 'utf8')) as CfnSpec;
    if (loaded.version === version) return loaded;
  } catch {
    // Not cached yet, or a partial file from elsewhere: build it.
  }
  loaded = readSpec(path.join(path.dirname(pkgJson), 'db.json.gz'), version);
  // Written aside and renamed so a parallel Jest worker never reads half a file.
  const temp = `${cache}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(loaded));
  fs.renameSync(temp, cache);
  return loaded;
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
export function readSpec(dbFile: string, version: string): CfnSpec {
  const db = JSON.parse(zlib.gunzipSync(fs.readFileSync(dbFile)).toString('utf8')) as {
    schema: {
      resource: { entities: RawEntity[] };
      typeDefinition: { entities: RawEntity[] };
      usesType: { forward: Record<string, { $id: string }[]> };
    };
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

  const resources: Record<string, CfnResourceSpec> = {};
  const types: Record<string, CfnTypeSpec> = {};
  const owner = new Map<string, string>();
  for (const r of db.schema.resource.entities) {
    resources[r.cloudFormationType!] = {
      properties: properties(r.properties),
      attributes: Object.keys(r.attributes ?? {}),
    };
    for (const t of db.schema.usesType.forward[r.$id] ?? []) owner.set(t.$id, r.cloudFormationType!);
  }
  for (const t of db.schema.typeDefinition.entities) {
    const of = owner.get(t.$id);
    types[t.$id] = { name: of ? `${of}.${t.name}` : t.name, properties: properties(t.properties) };
  }
  return { version, resources, types };
}
