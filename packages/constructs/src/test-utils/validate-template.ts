import { cfnSpec, type CfnPropertySpec, type CfnSpec, type CfnType, type CfnTypeSpec } from './cfn-spec';

/** One thing AWS would refuse in a template. */
export interface TemplateProblem {
  /** The construct's path (`aws:cdk:path`), else the logical id. */
  readonly construct: string;
  readonly logicalId: string;
  /** Where in the resource: `Properties.Environment.Variables`; empty for the resource itself. */
  readonly property: string;
  readonly message: string;
}

export interface ValidateOptions {
  /** Construct paths by logical id, for templates rendered without `aws:cdk:path` metadata. */
  readonly constructPaths?: Record<string, string>;
  /** The stack's region and account when known: SSM counts its name limit on the parameter's ARN. */
  readonly region?: string;
  readonly account?: string;
  readonly spec?: CfnSpec;
}

/** Property types by the specification's id. */
type Types = Record<string, CfnTypeSpec>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// CloudFormation's quotas (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
const MAX_RESOURCES = 500;
const MAX_OUTPUTS = 200;
const MAX_PARAMETERS = 200;
const MAX_MAPPINGS = 200;
const MAX_LOGICAL_ID = 255;
// The largest template CloudFormation reads from S3 (the CDK uploads every template there).
const MAX_TEMPLATE_BYTES = 1_000_000;

// Parameter Store: a Standard value holds 4 KB, an Advanced one 8 KB; the 1011 characters a name may have
// include the ARN before it (arn:aws:ssm:us-east-2:111122223333:parameter/).
const SSM_STANDARD_VALUE = 4096;
const SSM_ADVANCED_VALUE = 8192;
const SSM_NAME_WITH_ARN = 1011;
const SSM_NAME_LEVELS = 15;

// Lambda measures the variables as one JSON object ("String measured: {…}" in its error).
const LAMBDA_ENV_BYTES = 4096;
const LAMBDA_RESERVED_ENV = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** Names a service gives its resources: [type, property, longest, allowed characters]. */
const NAME_RULES: [string, string, number, RegExp][] = [
  ['AWS::Lambda::Function', 'FunctionName', 64, /^[a-zA-Z0-9_-]+$/],
  ['AWS::IAM::Role', 'RoleName', 64, /^[\w+=,.@-]+$/],
  ['AWS::IAM::Policy', 'PolicyName', 128, /^[\w+=,.@-]+$/],
  ['AWS::DynamoDB::Table', 'TableName', 255, /^[a-zA-Z0-9_.-]{3,}$/],
  ['AWS::SQS::Queue', 'QueueName', 80, /^[a-zA-Z0-9_-]+(\.fifo)?$/],
  ['AWS::SNS::Topic', 'TopicName', 256, /^[a-zA-Z0-9_-]+(\.fifo)?$/],
  ['AWS::Events::EventBus', 'Name', 256, /^[/.\-_A-Za-z0-9]+$/],
  ['AWS::Events::Rule', 'Name', 64, /^[.\-_A-Za-z0-9]+$/],
  ['AWS::Kinesis::Stream', 'Name', 128, /^[a-zA-Z0-9_.-]+$/],
  ['AWS::Logs::LogGroup', 'LogGroupName', 512, /^[.\-_/#A-Za-z0-9]+$/],
];

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
]);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);
// What an intrinsic gives back, where it is known: a text where a list or an object is expected is refused.
const STRING_INTRINSICS = new Set(['Fn::Join', 'Fn::Sub', 'Fn::Base64']);
const LIST_INTRINSICS = new Set(['Fn::Split', 'Fn::GetAZs', 'Fn::Cidr']);

/** Everything in `template` that AWS would refuse, as far as the resource specification and the known limits tell. */
export function templateProblems(template: unknown, options: ValidateOptions = {}): TemplateProblem[] {
  const spec = options.spec ?? cfnSpec();
  const problems: TemplateProblem[] = [];
  const t = (template ?? {}) as JsonObject;
  const resources = (t.Resources ?? {}) as Record<string, JsonObject>;
  const parameters = (t.Parameters ?? {}) as JsonObject;
  const conditions = (t.Conditions ?? {}) as JsonObject;
  const report = (logicalId: string, property: string, message: string) => {
    const metadata = resources[logicalId]?.Metadata as JsonObject | undefined;
    const construct =
      (typeof metadata?.['aws:cdk:path'] === 'string' ? (metadata['aws:cdk:path'] as string) : undefined) ??
      options.constructPaths?.[logicalId] ??
      logicalId;
    problems.push({ construct, logicalId, property, message });
  };

  const count = (section: string, limit: number) => {
    const n = Object.keys((t[section] ?? {}) as JsonObject).length;
    if (n > limit) report('', section, `${n} entries; CloudFormation allows ${limit} per template`);
  };
  count('Resources', MAX_RESOURCES);
  count('Outputs', MAX_OUTPUTS);
  count('Parameters', MAX_PARAMETERS);
  count('Mappings', MAX_MAPPINGS);
  const size = Buffer.byteLength(JSON.stringify(t));
  if (size > MAX_TEMPLATE_BYTES)
    report('', '', `the template is ${size} bytes; CloudFormation reads at most ${MAX_TEMPLATE_BYTES}`);
  for (const section of ['Resources', 'Outputs', 'Parameters', 'Conditions', 'Mappings']) {
    for (const id of Object.keys((t[section] ?? {}) as JsonObject)) {
      if (!/^[A-Za-z0-9]+$/.test(id) || id.length > MAX_LOGICAL_ID)
        report(
          id,
          section,
          `logical id "${id}" must be alphanumeric and at most ${MAX_LOGICAL_ID} characters`,
        );
    }
  }

  // Ref and Fn::GetAtt anywhere in the template point at something that exists.
  const checkReferences = (value: Json, logicalId: string, where: string) => {
    walk(value, where, (node, at) => {
      if ('Ref' in node && typeof node.Ref === 'string') {
        const target = node.Ref;
        if (!(target in resources) && !(target in parameters) && !PSEUDO_PARAMETERS.has(target))
          report(logicalId, at, `Ref to "${target}", which is not a resource, parameter or pseudo parameter`);
      }
      if ('Fn::GetAtt' in node) {
        const args = node['Fn::GetAtt'];
        const [target, attribute] = Array.isArray(args)
          ? (args as Json[])
          : typeof args === 'string'
            ? [args.slice(0, args.indexOf('.')), args.slice(args.indexOf('.') + 1)]
            : [];
        if (typeof target !== 'string') return;
        const resource = resources[target];
        if (!resource) {
          report(logicalId, at, `Fn::GetAtt of "${target}", which is not a resource of the template`);
          return;
        }
        const type = String(resource.Type);
        const known = spec.resource(type);
        if (!known || typeof attribute !== 'string' || isCustom(type)) return;
        if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
        if (!known.attributes.includes(attribute))
          report(
            logicalId,
            at,
            `Fn::GetAtt ${target}.${attribute}: ${type} has no attribute "${attribute}" (it has ${known.attributes.join(', ') || 'none'})`,
          );
      }
    });
  };
  for (const [id, output] of Object.entries((t.Outputs ?? {}) as JsonObject))
    checkReferences(output, id, 'Outputs');
  for (const [id, condition] of Object.entries(conditions)) checkReferences(condition, id, 'Conditions');

  for (const [logicalId, resource] of Object.entries(resources)) {
    const type = resource.Type;
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key))
        report(logicalId, key, `"${key}" is not a resource attribute CloudFormation knows`);
    }
    for (const key of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      const policy = resource[key];
      if (typeof policy === 'string' && !DELETION_POLICIES.has(policy))
        report(logicalId, key, `"${policy}" is not one of ${[...DELETION_POLICIES].join(', ')}`);
    }
    if (typeof resource.Condition === 'string' && !(resource.Condition in conditions))
      report(logicalId, 'Condition', `condition "${resource.Condition}" is not in the template's Conditions`);
    for (const dep of [resource.DependsOn ?? []].flat()) {
      if (typeof dep === 'string' && !(dep in resources))
        report(logicalId, 'DependsOn', `"${dep}" is not a resource of the template`);
    }
    checkReferences(resource.Properties ?? null, logicalId, 'Properties');

    if (typeof type !== 'string') {
      report(logicalId, 'Type', 'a resource needs a Type');
      continue;
    }
    // Custom resources take any properties; the CDK's metadata resource is not deployed to the account.
    if (isCustom(type) || type === 'AWS::CDK::Metadata') continue;
    const known = spec.resource(type);
    if (!known) {
      report(
        logicalId,
        'Type',
        `${type} is not a CloudFormation resource type (resource specification ${spec.version})`,
      );
      continue;
    }
    const properties = resource.Properties ?? {};
    if (!isPlainObject(properties)) {
      report(logicalId, 'Properties', 'must be an object');
      continue;
    }
    const check = (property: string, message: string) => report(logicalId, property, message);
    checkProperties(known.types, type, known.properties, properties, 'Properties', check);
    checkLimits(type, properties, options, check);
  }
  return problems;
}

/** Throws one error listing every problem of the template, each with its construct and property. */
export function assertValidTemplate(
  template: unknown,
  stackName: string,
  options: ValidateOptions = {},
): void {
  const problems = templateProblems(template, options);
  if (problems.length === 0) return;
  const lines = problems.map(
    (p) =>
      `  ${p.construct}${p.construct === p.logicalId ? '' : ` (${p.logicalId})`}${p.property ? ` ${p.property}` : ''}: ${p.message}`,
  );
  throw new Error(
    `The template of stack "${stackName}" is not valid for AWS (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
  );
}

function isCustom(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The intrinsic function of `value` (`Ref`, `Fn::Join` …) when it is one. */
function intrinsic(value: Json): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  return keys[0] === 'Ref' || keys[0].startsWith('Fn::') ? keys[0] : undefined;
}

function walk(value: Json, at: string, visit: (node: JsonObject, at: string) => void): void {
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}.${i}`, visit));
  else if (isPlainObject(value)) {
    visit(value, at);
    for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`, visit);
  }
}

function checkProperties(
  types: Types,
  owner: string,
  known: Record<string, CfnPropertySpec>,
  value: JsonObject,
  at: string,
  report: (property: string, message: string) => void,
): void {
  for (const [name, v] of Object.entries(value)) {
    const property = known[name];
    if (!property) {
      report(`${at}.${name}`, `${owner} has no property "${name}"`);
      continue;
    }
    const error = firstError(types, v, property.types, `${at}.${name}`);
    if (error) report(error[0], error[1]);
  }
  for (const [name, property] of Object.entries(known)) {
    if (property.required && !(name in value))
      report(`${at}.${name}`, `${owner} requires "${name}", which is missing`);
  }
}

/** Undefined when `value` fits one of `types`; else where and why it fits none (the first type's reason). */
function firstError(
  types: Types,
  value: Json,
  candidates: CfnType[],
  at: string,
): [string, string] | undefined {
  let first: [string, string] | undefined;
  for (const type of candidates) {
    const problems: [string, string][] = [];
    checkValue(types, value, type, at, (p, m) => problems.push([p, m]));
    if (problems.length === 0) return undefined;
    first ??= problems[0];
  }
  return first;
}

function describe(types: Types, type: CfnType): string {
  switch (type.type) {
    case 'ref':
      return `an object (${types[type.ref]?.name ?? 'property type'})`;
    case 'array':
      return `a list of ${describe(types, type.element)}`;
    case 'map':
      return `a map of ${describe(types, type.element)}`;
    case 'union':
      return type.types.map((t) => describe(types, t)).join(' or ');
    case 'tag':
      return 'a tag ({ Key, Value })';
    default:
      return `${/^[aeiou]/.test(type.type) ? 'an' : 'a'} ${type.type}`;
  }
}

function shown(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function checkValue(
  types: Types,
  value: Json,
  type: CfnType,
  at: string,
  report: (property: string, message: string) => void,
): void {
  const fn = intrinsic(value);
  if (fn) {
    const args = (value as JsonObject)[fn];
    if (fn === 'Fn::If' && Array.isArray(args) && args.length === 3) {
      // Either branch may be chosen at deploy.
      for (const branch of args.slice(1)) {
        if (intrinsic(branch) === 'Ref' && (branch as JsonObject).Ref === 'AWS::NoValue') continue;
        checkValue(types, branch, type, at, report);
      }
      return;
    }
    const structured = ['array', 'map', 'ref', 'tag'].includes(type.type);
    if (structured && STRING_INTRINSICS.has(fn))
      report(at, `${fn} gives a text; expected ${describe(types, type)}`);
    else if (!structured && type.type !== 'json' && type.type !== 'union' && LIST_INTRINSICS.has(fn))
      report(at, `${fn} gives a list; expected ${describe(types, type)}`);
    // Anything else is resolved at deploy to whatever its target holds.
    return;
  }
  const expected = () => report(at, `expected ${describe(types, type)}, got ${shown(value)}`);
  switch (type.type) {
    case 'string':
    case 'date-time':
      // CloudFormation turns a number or a boolean given for a text into its text.
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        return expected();
      if (type.type === 'string' && type.allowedValues && !type.allowedValues.includes(String(value)))
        report(at, `"${value}" is not one of ${type.allowedValues.join(', ')}`);
      return;
    case 'integer':
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || Number.isNaN(n)) return expected();
      if (type.type === 'integer' && !Number.isInteger(n)) return expected();
      if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(n))
        report(at, `${n} is not one of ${type.allowedValues.join(', ')}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') expected();
      return;
    case 'json':
    case 'null':
      return;
    case 'tag': {
      if (!isPlainObject(value)) return expected();
      const tag = {
        Key: { types: [{ type: 'string' }], required: true },
        Value: { types: [{ type: 'string' }], required: true },
      };
      checkProperties(types, 'a tag', tag as Record<string, CfnPropertySpec>, value, at, report);
      return;
    }
    case 'ref': {
      const def = types[type.ref];
      if (!isPlainObject(value)) return expected();
      if (def) checkProperties(types, def.name, def.properties, value, at, report);
      return;
    }
    case 'array':
      if (!Array.isArray(value)) return expected();
      value.forEach((element, i) => {
        const error = firstError(types, element, [type.element], `${at}.${i}`);
        if (error) report(error[0], error[1]);
      });
      return;
    case 'map':
      if (!isPlainObject(value)) return expected();
      for (const [key, element] of Object.entries(value)) {
        const error = firstError(types, element, [type.element], `${at}.${key}`);
        if (error) report(error[0], error[1]);
      }
      return;
    case 'union': {
      const error = firstError(types, value, type.types, at);
      if (error) report(at, `expected ${describe(types, type)}, got ${shown(value)}`);
      return;
    }
  }
}

/**
 * The smallest text `value` can become: its literal parts (a Fn::Join's separators and strings, a Fn::Sub's
 * text without its ${…}); undefined for a value with nothing literal to measure.
 */
export function literalText(value: Json): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const fn = intrinsic(value);
  if (fn === 'Fn::Join') {
    const [separator, parts] = (value as JsonObject)['Fn::Join'] as [string, Json];
    if (!Array.isArray(parts)) return undefined;
    return parts.map((p) => literalText(p) ?? '').join(separator);
  }
  if (fn === 'Fn::Sub') {
    const args = (value as JsonObject)['Fn::Sub'];
    const text = Array.isArray(args) ? args[0] : args;
    return typeof text === 'string' ? text.replace(/\$\{[^!][^}]*\}/g, '') : undefined;
  }
  return undefined;
}

function checkLimits(
  type: string,
  properties: JsonObject,
  options: ValidateOptions,
  report: (property: string, message: string) => void,
): void {
  for (const [ruleType, property, longest, allowed] of NAME_RULES) {
    const name = properties[property];
    if (type !== ruleType || typeof name !== 'string') continue;
    if (name.length > longest)
      report(`Properties.${property}`, `"${name}" is ${name.length} characters; at most ${longest}`);
    if (!allowed.test(name)) report(`Properties.${property}`, `"${name}" does not match ${allowed}`);
  }
  if (type === 'AWS::SSM::Parameter') checkSsmParameter(properties, options, report);
  if (type === 'AWS::Lambda::Function') checkLambdaEnvironment(properties, report);
  if (type === 'AWS::S3::Bucket' && properties.BucketName !== undefined) {
    const name = literalText(properties.BucketName);
    if (name !== undefined) {
      const whole = typeof properties.BucketName === 'string';
      for (const rule of bucketNameProblems(name, whole)) report('Properties.BucketName', rule);
    }
  }
}

function checkSsmParameter(
  properties: JsonObject,
  options: ValidateOptions,
  report: (property: string, message: string) => void,
): void {
  const value = literalText(properties.Value);
  if (value !== undefined) {
    const bytes = Buffer.byteLength(value);
    const tier = properties.Tier;
    // Without a Tier, CloudFormation creates the parameter on the account's default tier: Standard unless changed.
    const standard = tier === undefined || tier === 'Standard';
    const joined = typeof properties.Value === 'string' ? '' : ' at least (its literal parts)';
    if (bytes > SSM_ADVANCED_VALUE)
      report(
        'Properties.Value',
        `${bytes} bytes${joined}; a parameter value holds at most ${SSM_ADVANCED_VALUE} (Advanced tier)`,
      );
    else if (standard && bytes > SSM_STANDARD_VALUE)
      report(
        'Properties.Value',
        `${bytes} bytes${joined} on the ${tier ?? 'default (Standard)'} tier, which holds ${SSM_STANDARD_VALUE}: set Tier "Advanced" (or "Intelligent-Tiering")`,
      );
  }
  const name = properties.Name;
  if (typeof name !== 'string') return;
  const arnPrefix = `arn:aws:ssm:${options.region ?? ''}:${options.account ?? ''}:parameter${name.startsWith('/') ? '' : '/'}`;
  const known = options.region !== undefined && options.account !== undefined;
  const length = (known ? arnPrefix.length : 0) + name.length;
  if (length > SSM_NAME_WITH_ARN)
    report(
      'Properties.Name',
      `${name.length} characters${known ? ` (${length} with the ARN before it)` : ''}; SSM allows ${SSM_NAME_WITH_ARN} including the ARN`,
    );
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name))
    report('Properties.Name', `"${name}" may hold only a-z, A-Z, 0-9, _ . - and /`);
  if (/^\/?(aws|ssm)/i.test(name)) report('Properties.Name', `"${name}" may not begin with "aws" or "ssm"`);
  const levels = name.split('/').filter(Boolean).length;
  if (levels > SSM_NAME_LEVELS)
    report('Properties.Name', `"${name}" has ${levels} levels; SSM allows ${SSM_NAME_LEVELS}`);
  if (name.includes('/') && !name.startsWith('/'))
    report('Properties.Name', `"${name}" is a path and must begin with "/"`);
}

function checkLambdaEnvironment(
  properties: JsonObject,
  report: (property: string, message: string) => void,
): void {
  const environment = properties.Environment;
  if (!isPlainObject(environment) || !isPlainObject(environment.Variables)) return;
  const variables = environment.Variables;
  const literal: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (!/^[a-zA-Z]\w*$/.test(key))
      report(
        `Properties.Environment.Variables.${key}`,
        'a variable name is a letter, then letters, digits and _',
      );
    if (LAMBDA_RESERVED_ENV.has(key))
      report(`Properties.Environment.Variables.${key}`, `"${key}" is reserved by Lambda and cannot be set`);
    literal[key] = literalText(value) ?? '';
  }
  const bytes = Buffer.byteLength(JSON.stringify(literal));
  if (bytes > LAMBDA_ENV_BYTES)
    report(
      'Properties.Environment.Variables',
      `${bytes} bytes as Lambda measures them (one JSON object, values resolved at deploy counted empty); at most ${LAMBDA_ENV_BYTES}`,
    );
}

/**
 * S3's rules for a general purpose bucket's name. `whole` is false when `name` is only the literal part of a
 * name completed at deploy: then only what those parts alone already break is told.
 */
export function bucketNameProblems(name: string, whole = true): string[] {
  const out: string[] = [];
  if (name.length > 63) out.push(`"${name}" is ${name.length} characters; a bucket name has at most 63`);
  if (/[^a-z0-9.-]/.test(name))
    out.push(`"${name}" may hold only lowercase letters, digits, dots and hyphens`);
  if (name.includes('..')) out.push(`"${name}" has two dots in a row`);
  if (!whole) return out;
  if (name.length < 3) out.push(`"${name}" is ${name.length} characters; a bucket name has at least 3`);
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) out.push(`"${name}" must begin and end with a letter or a digit`);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) out.push(`"${name}" is formatted as an IP address`);
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-'])
    if (name.startsWith(prefix)) out.push(`"${name}" begins with the reserved "${prefix}"`);
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'])
    if (name.endsWith(suffix)) out.push(`"${name}" ends with the reserved "${suffix}"`);
  return out;
}
