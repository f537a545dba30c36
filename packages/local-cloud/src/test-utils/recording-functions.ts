import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient, type CreateFunctionCommandInput } from '@aws-sdk/client-lambda';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strToU8, zipSync } from 'fflate';
import { startTestCloud, type LocalCloud } from '../index';

/** Polls `probe` until it answers something other than undefined; fails naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  // Generous: under `npm test` every package's suites run at once on two cores, and a poll that takes
  // a second alone can take many. Nothing waits longer than the condition takes.
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A role Lambda may assume, for the functions a spec deploys; answers its ARN. */
export async function lambdaRole(cloud: LocalCloud, roleName: string): Promise<string> {
  const iam = new IAMClient(cloud.clientConfig);
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    return Role!.Arn!;
  } finally {
    iam.destroy();
  }
}

export interface RecordingCloud {
  cloud: LocalCloud;
  lambda: LambdaClient;
  ssm: SSMClient;
  roleArn: string;
}

/**
 * A test cloud with the clients a spec of recording functions needs and the role its functions run as. Should the
 * role fail, the cloud is stopped here: the spec's afterAll never saw it.
 */
export async function startRecordingCloud(roleName: string): Promise<RecordingCloud> {
  const cloud = await startTestCloud();
  const lambda = new LambdaClient(cloud.clientConfig);
  const ssm = new SSMClient(cloud.clientConfig);
  try {
    return { cloud, lambda, ssm, roleArn: await lambdaRole(cloud, roleName) };
  } catch (error) {
    lambda.destroy();
    ssm.destroy();
    await cloud.stop();
    throw error;
  }
}

/**
 * Deploys `code` as the index.mjs of a Node.js function; answers its ARN. The specs' handlers write what they get
 * down as SSM parameters, which {@link parametersUnder} reads back.
 */
export async function deployNodeFunction(
  lambda: LambdaClient,
  fn: { name: string; code: string; handler: string; roleArn: string } & Partial<CreateFunctionCommandInput>,
): Promise<string> {
  const { name, code, handler, roleArn, ...rest } = fn;
  const { FunctionArn } = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: roleArn,
      Handler: handler,
      Code: { ZipFile: zipSync({ 'index.mjs': strToU8(code) }) },
      // Lambda's default is 3 s: a cold start that loads the SDK and writes can pass it when every suite
      // runs at once, and a recording consumer timed out after its write is retried into a failure.
      Timeout: 60,
      ...rest,
    }),
  );
  return FunctionArn!;
}

/** The parameters directly under `prefix`, every page, keyed by their name past the prefix. */
export async function parametersUnder(ssm: SSMClient, prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: prefix, NextToken }));
    for (const p of page.Parameters ?? []) out[p.Name!.slice(prefix.length + 1)] = p.Value!;
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}
