import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';

/**
 * What the installed @nx-sst packages export, read from their declaration files (types included:
 * `StackContext`, `SSTConfig`), so the codemod follows the versions the workspace has: a module a newer
 * release adds is rewritten as soon as it is installed, and one it lacks is refused by name.
 */
export interface ProvidedPackage {
  name: string;
  version: string;
  /** Subpath modules (`bucket`, `config`, …) of the package's `exports`. */
  modules: string[];
  /** The names a module exports (`.` for the package itself); undefined when it is not exported. */
  exportsOf(module: string): Set<string> | undefined;
}

/**
 * Reads a package from the workspace's node_modules (`searchFrom` first: the workspace root), else from
 * this plugin's own (a generator spec's virtual tree has no node_modules).
 */
export function readProvidedPackage(name: string, searchFrom: string[]): ProvidedPackage {
  let manifestPath: string;
  try {
    manifestPath = require.resolve(`${name}/package.json`, { paths: [...searchFrom, __dirname] });
  } catch {
    throw new Error(
      `${name} is not installed: install nx-sst's packages first (docs/migrating-from-sst-v2.md, step 1).`,
    );
  }
  const root = dirname(manifestPath);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf-8')) as {
    version: string;
    types?: string;
    exports?: Record<string, unknown>;
  };
  const typesOf = new Map<string, string>();
  for (const [key, entry] of Object.entries(manifest.exports ?? {})) {
    if (key === './package.json') continue;
    const types = typesPath(entry);
    if (types) typesOf.set(key === '.' ? '.' : key.replace(/^\.\//, ''), join(root, types));
  }
  if (!typesOf.has('.') && manifest.types) typesOf.set('.', join(root, manifest.types));

  const cache = new Map<string, Set<string>>();
  let checker: ts.TypeChecker | undefined;
  let program: ts.Program | undefined;
  return {
    name,
    version: manifest.version,
    modules: [...typesOf.keys()].filter((m) => m !== '.'),
    exportsOf(module) {
      const file = typesOf.get(module);
      if (!file || !existsSync(file)) return undefined;
      const cached = cache.get(module);
      if (cached) return cached;
      if (!program) {
        // Every declaration file of the package, and nothing outside it (noResolve): its own
        // re-exports resolve, aws-cdk-lib's thousands of declarations are never read.
        const dirs = new Set([...typesOf.values()].map((f) => dirname(f)));
        const files = [...dirs].flatMap((dir) =>
          readdirSync(dir, { recursive: true, encoding: 'utf-8' })
            .filter((f) => f.endsWith('.d.ts'))
            .map((f) => join(dir, f)),
        );
        program = ts.createProgram([...new Set(files)], { noResolve: true, noLib: true, types: [] });
        checker = program.getTypeChecker();
      }
      const sourceFile = program.getSourceFile(file);
      const symbol = sourceFile && checker!.getSymbolAtLocation(sourceFile);
      const names = new Set(symbol ? checker!.getExportsOfModule(symbol).map((s) => s.name) : []);
      cache.set(module, names);
      return names;
    },
  };
}

function typesPath(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const conditions = entry as Record<string, unknown>;
  if (typeof conditions.types === 'string') return conditions.types;
  for (const condition of ['require', 'import', 'default', 'module']) {
    const found = typesPath(conditions[condition]);
    if (found) return found;
  }
  return undefined;
}

/** SST v2's `sst/constructs` exports nx-sst has no construct for, and what to write instead. */
export const CONSTRUCT_ALTERNATIVES: Record<string, string> = {
  Auth: 'update @nx-sst/constructs to a release with Auth, or write the authenticator as a Function behind your Api',
  WebSocketApi:
    "write it as a plain CDK construct in the stack (aws-cdk-lib/aws-apigatewayv2's WebSocketApi)",
  ApiGatewayV1Api: "use Api (an HTTP API), or aws-cdk-lib/aws-apigateway's RestApi as a plain CDK construct",
  AppSyncApi: "write it as a plain CDK construct (aws-cdk-lib/aws-appsync's GraphqlApi)",
  GraphQLApi: 'use Api with a route to your GraphQL handler',
  Cognito: "write it as a plain CDK construct (aws-cdk-lib/aws-cognito's UserPool and UserPoolClient)",
  Job: "write it as a plain CDK construct (aws-cdk-lib/aws-codebuild's Project) and start it with @aws-sdk/client-codebuild",
  Script: "use aws-cdk-lib/triggers' TriggerFunction as a plain CDK construct",
  Service: 'write it as a plain CDK construct (aws-cdk-lib/aws-ecs-patterns)',
  AstroSite: 'use StaticSite for a static build, or a plain CDK construct',
  RemixSite: 'use StaticSite for a static build, or a plain CDK construct',
  SolidStartSite: 'use StaticSite for a static build, or a plain CDK construct',
  SvelteKitSite: 'use StaticSite for a static build, or a plain CDK construct',
  SsrSite: 'use NextjsSite or StaticSite',
  dependsOn:
    "import the other stack's resources with use(OtherStack); CDK orders the stacks from those references",
};

/** SST v2's `sst/node/*` (and other `sst/*`) modules nx-sst has no counterpart for, and the alternative. */
export const MODULE_ALTERNATIVES: Record<string, string> = {
  'sst/node/auth':
    'update @nx-sst/runtime to a release with the auth module, or verify sessions in your handler with a JWT library',
  'sst/node/future/auth':
    "v2's experimental future/auth is not provided: use @nx-sst/runtime/auth (v2's sst/node/auth API)",
  'sst/node/graphql':
    'GraphQLHandler is not provided: call your GraphQL server (e.g. graphql-yoga) from a plain handler',
  'sst/node/job': 'Job is not provided: start a CodeBuild project with @aws-sdk/client-codebuild',
  'sst/node/util': 'the context helpers are not provided: pass values as function arguments',
  'sst/context': 'the context helpers are not provided: pass values as function arguments',
  'sst/node/actor': 'the actor helpers are not provided',
};
