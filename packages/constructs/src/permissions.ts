import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { type BindingPermission, isBindable } from './binding';

/**
 * One permission of a function's role, as SST v2 takes them: a service (`"s3"`: all of S3 on every resource), an
 * action (`"s3:GetObject"` on every resource), an IAM statement, exact `{ actions, resources }`, a construct
 * (`bucket`: what binding it grants; `api`: `execute-api:Invoke` on it; a CDK table, topic, queue, bus, stream or
 * bucket: all of that service on it), or a construct with one of its grant methods (`[table, "grantReadData"]`).
 */
export type Permission = string | iam.PolicyStatement | BindingPermission | IConstruct | [IConstruct, string];

/** `"*"` (every action on every resource) or a list of {@link Permission}s. */
export type Permissions = '*' | readonly Permission[];

/**
 * The IAM statements of `permissions`. A grant method (`[table, "grantReadData"]`) needs the role itself: pass
 * `grantee` to apply those, otherwise they are refused.
 */
export function toPolicyStatements(
  permissions: Permissions,
  describeTarget: string,
  grantee?: iam.IGrantable,
): iam.PolicyStatement[] {
  if (permissions === '*') return [statement(['*'], ['*'])];
  if (!Array.isArray(permissions)) {
    throw new Error(
      `${describeTarget}: permissions must be "*" or a list (["s3", "sqs:SendMessage", bucket, [table, "grantReadData"], …]); got ${describe(permissions)}.`,
    );
  }
  const out: iam.PolicyStatement[] = [];
  for (const p of permissions as Permission[]) out.push(...toStatements(p, describeTarget, grantee));
  return out;
}

function toStatements(
  p: Permission,
  describeTarget: string,
  grantee?: iam.IGrantable,
): iam.PolicyStatement[] {
  if (p instanceof iam.PolicyStatement) return [p];
  if (typeof p === 'string') {
    if (p === '*' || /^[a-z0-9-]+$/.test(p)) return [statement([p === '*' ? '*' : `${p}:*`], ['*'])];
    if (/^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(p)) return [statement([p], ['*'])];
    throw new Error(
      `${describeTarget}: permission "${p}" is neither a service ("s3"), an action ("s3:GetObject") nor "*"; use { actions, resources } or an iam.PolicyStatement for anything else.`,
    );
  }
  if (Array.isArray(p)) return grant(p, describeTarget, grantee);
  if (isBindable(p)) return bindableStatements(p, describeTarget);
  if (p && typeof p === 'object' && Array.isArray((p as BindingPermission).actions)) {
    const { actions, resources } = p as BindingPermission;
    if (Array.isArray(resources)) return [statement(actions, resources)];
  }
  const l2 = cdkConstructStatements(p);
  if (l2) return l2;
  throw new Error(
    `${describeTarget}: permission ${describe(p)} is not one nx-sst knows. Use "s3", "s3:GetObject", "*", an iam.PolicyStatement, { actions, resources }, a construct (bucket, table, queue, topic, api…) or [construct, "grantMethod"].`,
  );
}

function grant(p: unknown[], describeTarget: string, grantee?: iam.IGrantable): iam.PolicyStatement[] {
  const [construct, method] = p;
  const fn =
    construct instanceof Construct && typeof method === 'string'
      ? (construct as unknown as Record<string, unknown>)[method]
      : undefined;
  if (typeof fn !== 'function') {
    throw new Error(
      `${describeTarget}: permission [${describe(construct)}, ${JSON.stringify(method)}] must be a construct and the name of one of its grant methods, e.g. [table.cdk.table, "grantReadData"].`,
    );
  }
  if (!grantee) {
    throw new Error(
      `${describeTarget}: permission [${describe(construct)}, "${method}"] calls a grant method, which needs a role this construct does not hand out. Give the actions as { actions, resources } instead.`,
    );
  }
  (fn as (g: iam.IGrantable) => unknown).call(construct, grantee);
  return [];
}

function bindableStatements(
  p: { id: string; getBindings(): { type: string; permissions: BindingPermission[] } },
  describeTarget: string,
): iam.PolicyStatement[] {
  const { type, permissions } = p.getBindings();
  if (type === 'Api') {
    // As in SST v2: an Api in permissions lets the role call it (IAM-authorized routes).
    const apiId = (p as unknown as { cdk: { httpApi: { apiId: string } } }).cdk.httpApi.apiId;
    return [
      statement(
        ['execute-api:Invoke'],
        [
          cdk.Arn.format(
            { service: 'execute-api', resource: apiId, resourceName: '*' },
            cdk.Stack.of(p as unknown as IConstruct),
          ),
        ],
      ),
    ];
  }
  if (!permissions.length) {
    throw new Error(
      `${describeTarget}: permission ${type} "${p.id}" grants nothing (reading it needs no IAM permission). Bind it instead: bind: [${p.id}].`,
    );
  }
  return permissions.map((s) => statement(s.actions, s.resources));
}

/** CDK constructs recognised by their attributes, as SST v2 does: all of the service on the resource. */
function cdkConstructStatements(p: unknown): iam.PolicyStatement[] | undefined {
  const x = p as Record<string, unknown>;
  if (!x || typeof x !== 'object') return undefined;
  if (x.tableArn && x.tableName)
    return [statement(['dynamodb:*'], [x.tableArn as string, `${x.tableArn}/*`])];
  if (x.topicArn && x.topicName) return [statement(['sns:*'], [x.topicArn as string])];
  if (x.queueArn && x.queueName) return [statement(['sqs:*'], [x.queueArn as string])];
  if (x.eventBusArn && x.eventBusName) return [statement(['events:*'], [x.eventBusArn as string])];
  if (x.streamArn && x.streamName) return [statement(['kinesis:*'], [x.streamArn as string])];
  if (x.bucketArn && x.bucketName) return [statement(['s3:*'], [x.bucketArn as string, `${x.bucketArn}/*`])];
  return undefined;
}

function statement(actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions, resources });
}

function describe(x: unknown): string {
  if (x instanceof Construct) return `construct "${x.node.id}"`;
  if (typeof x === 'string') return JSON.stringify(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}
