import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { App, type AppProps, type StackContext } from '../app';
import type { Stack } from '../stack';

/** A throwaway workspace with a few handler files and site folders. */
export function tempWorkspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-constructs-'));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write(
    'packages/functions/src/lambda.ts',
    'export const handler = async () => ({ statusCode: 200, body: "ok" });\n',
  );
  write(
    'packages/functions/src/notes.ts',
    'export const list = async () => []; export const get = async () => ({});\n',
  );
  write('apps/web/package.json', '{ "name": "web" }\n');
  write('apps/landing/index.html', '<script>window.API = "{{ VITE_API_URL }}"</script>\n');
  return root;
}

export function removeWorkspace(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

/** An App on a temporary workspace; projects are `functions` and `web` by folder. */
export function testApp(root: string, props: Partial<AppProps> = {}): App {
  return new App({
    name: 'my-app',
    stage: 'dev',
    region: 'us-east-1',
    account: '123456789012',
    workspaceRoot: root,
    outdir: path.join(root, '.sst', 'cdk.out'),
    resolveProject: (abs) => {
      const rel = path.relative(root, abs).split(path.sep);
      if (rel[0] === 'packages' || rel[0] === 'apps') return { name: rel[1], root: `${rel[0]}/${rel[1]}` };
      return undefined;
    },
    ...props,
  });
}

/** Builds one stack `Default` in a fresh app and synthesizes it. */
export function synthDefault(
  root: string,
  build: (ctx: StackContext) => void,
  props: Partial<AppProps> = {},
): { app: App; stack: Stack; template: Template } {
  const app = testApp(root, props);
  let stack!: Stack;
  app.stack(function Default(ctx) {
    stack = ctx.stack;
    build(ctx);
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The temporary workspace of one `describe` block, with an App and a synthesized stack on it. */
export interface TestWorkspace {
  /** Absolute path of the workspace; valid inside the block's tests. */
  readonly root: string;
  /** A fresh App on the workspace ({@link testApp}). */
  app(props?: Partial<AppProps>): App;
  /** One stack `Default` in a fresh App, synthesized ({@link synthDefault}). */
  synth(
    build: (ctx: StackContext) => void,
    props?: Partial<AppProps>,
  ): { app: App; stack: Stack; template: Template };
}

/**
 * Creates a temporary workspace before the tests of the calling `describe` block and deletes it after them:
 * once for the block, or afresh for each test (`{ each: true }`) when tests write into it.
 */
export function useWorkspace(options: { each?: boolean } = {}): TestWorkspace {
  let root: string | undefined;
  (options.each ? beforeEach : beforeAll)(() => {
    root = tempWorkspace();
  });
  (options.each ? afterEach : afterAll)(() => {
    if (root) removeWorkspace(root);
    root = undefined;
  });
  const current = (): string => {
    if (!root)
      throw new Error('useWorkspace(): the workspace exists only inside the tests of its describe block');
    return root;
  };
  return {
    get root() {
      return current();
    },
    app: (props) => testApp(current(), props),
    synth: (build, props) => synthDefault(current(), build, props),
  };
}

/** The ARN CDK renders for an SSM parameter of the test app (account 123456789012, us-east-1). */
export function ssmParameterArn(name: string): unknown {
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:us-east-1:123456789012:parameter${name}`]],
  };
}

/** Text of a value CloudFormation joins at deploy, with `render(part)` where it fills something in. */
export function joinedText(
  value: unknown,
  render: (part: unknown) => string = () => '<deploy-time>',
): string {
  if (typeof value === 'string') return value;
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : render(part))).join(separator);
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The environment variables of the Lambda function whose logical id starts with `prefix`. */
export function lambdaEnv(template: Template, prefix: string): Record<string, unknown> {
  const fns = template.findResources('AWS::Lambda::Function') as Resources;
  const match = Object.entries(fns).filter(([id]) => id.startsWith(prefix));
  if (match.length !== 1)
    throw new Error(`expected one function ${prefix}*, found ${Object.keys(fns).join(', ')}`);
  return ((match[0][1].Properties.Environment as { Variables?: Record<string, unknown> })?.Variables ??
    {}) as Record<string, unknown>;
}

/** Every statement of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatements(
  template: Template,
  rolePrefix: string,
): { Action: unknown; Resource: unknown; Effect: string }[] {
  // CDK moves statements beyond the inline policy size into overflow managed policies.
  const policies = {
    ...(template.findResources('AWS::IAM::Policy') as Resources),
    ...(template.findResources('AWS::IAM::ManagedPolicy') as Resources),
  };
  const out: { Action: unknown; Resource: unknown; Effect: string }[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles ?? []) as { Ref: string }[];
    if (!roles.some((r) => r.Ref.startsWith(rolePrefix))) continue;
    out.push(
      ...(
        policy.Properties.PolicyDocument as {
          Statement: { Action: unknown; Resource: unknown; Effect: string }[];
        }
      ).Statement,
    );
  }
  return out;
}

/** The String SSM parameters by name. */
export function ssmParameters(template: Template): Record<string, unknown> {
  const params = template.findResources('AWS::SSM::Parameter') as Resources;
  return Object.fromEntries(
    Object.values(params).map((p) => [p.Properties.Name as string, p.Properties.Value]),
  );
}

/** The logical id of the single resource of `type` whose logical id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${ids.join(', ')}`);
  return ids[0];
}
