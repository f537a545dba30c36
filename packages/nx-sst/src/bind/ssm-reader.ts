import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { StageCloud } from '../core/cloud';

/** The SSM and STS reads `bind` makes: few, on its startup path. */
export interface BindAws {
  /** Values by name for the names that exist (decrypted); at most 10 names per call. */
  getParameters(names: string[]): Promise<FoundParameter[]>;
  getParametersByPath(
    path: string,
    nextToken?: string,
  ): Promise<{ params: { name: string; value: string }[]; nextToken?: string }>;
  assumeRole(roleArn: string, durationSeconds: number, sessionName: string): Promise<AssumedRole>;
  close(): void;
}

export interface FoundParameter {
  name: string;
  value: string;
  /** SSM's version and last change of the parameter: what changed, without the value. */
  version?: string;
}

export interface AssumedRole {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Attempts of a call that AWS (or the local cloud) throttles, on either path. */
export const THROTTLE_ATTEMPTS = 10;

/** SSM's and STS's throttling answers (JSON `ThrottlingException`, query `Throttling`), 429 and 503. */
function isThrottled(status: number, text: string): boolean {
  return (
    status === 429 || status === 503 || (status === 400 && /Throttl|Rate exceeded|TooManyRequests/.test(text))
  );
}

/** Exponential, capped at 2 s, with jitter so that binds throttled together do not retry together. */
export function throttleBackoffMs(attempt: number): number {
  return Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

/** The endpoint answered, but not as the local cloud (another server on its port). */
export class NotTheCloudError extends Error {
  override name = 'NotTheCloudError';
}

/** An AWS error as the SDK names it (`ParameterNotFound`, `AccessDenied`, …). */
export class AwsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The AWS SDK v3 clients: the standard credential chain, retries, every endpoint. */
export function sdkBindAws(cloud: StageCloud): BindAws {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: bind on the local stage never loads the SDK (SSM ~55 ms, STS ~40 ms more): only AWS stages use it
  const ssmLib = require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
  const ssm = new ssmLib.SSMClient({ ...cloud.clientConfig, maxAttempts: THROTTLE_ATTEMPTS });
  let sts: import('@aws-sdk/client-sts').STSClient | undefined;
  return {
    async getParameters(Names) {
      const out = await ssm.send(new ssmLib.GetParametersCommand({ Names, WithDecryption: true }));
      return (out.Parameters ?? []).map((p) => ({
        name: p.Name!,
        value: p.Value!,
        version: `${p.Version}@${p.LastModifiedDate?.getTime()}`,
      }));
    },
    async getParametersByPath(Path, NextToken) {
      const out = await ssm.send(
        new ssmLib.GetParametersByPathCommand({ Path, Recursive: true, WithDecryption: true, NextToken }),
      );
      return {
        params: (out.Parameters ?? []).map((p) => ({ name: p.Name!, value: p.Value! })),
        nextToken: out.NextToken,
      };
    },
    async assumeRole(RoleArn, DurationSeconds, RoleSessionName) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only a bind that assumes a role loads STS (~40 ms)
      const stsLib = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
      sts ??= new stsLib.STSClient({
        ...cloud.clientConfig,
        region: cloud.clientConfig.region ?? 'us-east-1',
        maxAttempts: THROTTLE_ATTEMPTS,
      });
      const c = (await sts.send(new stsLib.AssumeRoleCommand({ RoleArn, DurationSeconds, RoleSessionName })))
        .Credentials!;
      return {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    },
    close() {
      ssm.destroy();
      sts?.destroy();
    },
  };
}

/**
 * The same reads against the local cloud over plain HTTP with Signature V4 from `node:crypto`: the
 * local cloud has one loopback endpoint and static credentials, so none of the SDK's machinery
 * (credential chain, endpoint rules, retries across regions) is needed, and `bind` starts in tens
 * of milliseconds instead of loading the SDK. Covered by the same tests as the SDK path.
 */
export function localBindAws(cloud: StageCloud): BindAws {
  const endpoint = new URL(cloud.endpoint!);
  const credentials = cloud.clientConfig.credentials!;
  const region = cloud.region;
  const agent = new http.Agent({ keepAlive: true });

  const send = (service: string, headers: Record<string, string>, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const signed = signV4({ service, region, host: endpoint.host, headers, body, credentials });
      const req = http.request(
        { host: endpoint.hostname, port: endpoint.port, path: '/', method: 'POST', headers: signed, agent },
        (res) => {
          // Every answer of moto carries a request id; a server that took a dead daemon's port does not.
          if (cloud.unchecked && !res.headers['x-amzn-requestid']) {
            res.resume();
            reject(new NotTheCloudError(`${endpoint.host} answered ${service} without a request id`));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  // Several binds starting at once (a task runner's parallel targets) meet SSM's rate limit: wait and
  // try again, as the SDK does, instead of failing the command.
  const request = async (service: string, headers: Record<string, string>, body: string) => {
    for (let attempt = 1; ; attempt++) {
      const res = await send(service, headers, body);
      if (attempt >= THROTTLE_ATTEMPTS || !isThrottled(res.status, res.text)) return res;
      await new Promise((r) => setTimeout(r, throttleBackoffMs(attempt)));
    }
  };

  const ssm = async <T>(action: string, input: object): Promise<T> => {
    const body = JSON.stringify(input);
    const res = await request(
      'ssm',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${action}` },
      body,
    );
    const json = res.text ? JSON.parse(res.text) : {};
    if (res.status >= 300) {
      const type = String(json.__type ?? json.code ?? 'UnknownError')
        .split('#')
        .pop()!;
      throw new AwsError(type, json.message ?? json.Message ?? res.text);
    }
    return json as T;
  };
  type Parameter = { Name: string; Value: string; Version?: number; LastModifiedDate?: number };

  return {
    async getParameters(Names) {
      const out = await ssm<{ Parameters?: Parameter[] }>('GetParameters', { Names, WithDecryption: true });
      return (out.Parameters ?? []).map((p) => ({
        name: p.Name,
        value: p.Value,
        // The JSON protocol gives epoch seconds; the SDK turns them into a Date (milliseconds).
        version: `${p.Version}@${p.LastModifiedDate === undefined ? undefined : Math.round(p.LastModifiedDate * 1000)}`,
      }));
    },
    async getParametersByPath(Path, NextToken) {
      const out = await ssm<{ Parameters?: Parameter[]; NextToken?: string }>('GetParametersByPath', {
        Path,
        Recursive: true,
        WithDecryption: true,
        ...(NextToken ? { NextToken } : {}),
      });
      return {
        params: (out.Parameters ?? []).map((p) => ({ name: p.Name, value: p.Value })),
        nextToken: out.NextToken,
      };
    },
    async assumeRole(roleArn, durationSeconds, sessionName) {
      const body = new URLSearchParams({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        DurationSeconds: String(durationSeconds),
      }).toString();
      const res = await request(
        'sts',
        { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      );
      const field = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(res.text)?.[1];
      if (res.status >= 300)
        throw new AwsError(field('Code') ?? 'UnknownError', decodeXml(field('Message') ?? res.text));
      const expiration = field('Expiration');
      return {
        accessKeyId: field('AccessKeyId')!,
        secretAccessKey: decodeXml(field('SecretAccessKey')!),
        sessionToken: field('SessionToken') && decodeXml(field('SessionToken')!),
        expiration: expiration ? new Date(expiration) : undefined,
      };
    },
    close() {
      agent.destroy();
    },
  };
}

function decodeXml(text: string): string {
  return text.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!,
  );
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** AWS Signature Version 4 for a POST to `/` (the only request shape `bind` makes). */
export function signV4(opts: {
  service: string;
  region: string;
  host: string;
  headers: Record<string, string>;
  body: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  now?: Date;
}): Record<string, string> {
  const amzDate = (opts.now ?? new Date()).toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(opts.headers).map(([k, v]) => [k.toLowerCase(), v])),
    host: opts.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': sha256(opts.body),
  };
  if (opts.credentials.sessionToken) headers['x-amz-security-token'] = opts.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonical = [
    'POST',
    '/',
    '',
    // SigV4 canonical headers: trimmed, inner runs of whitespace collapsed to one space.
    ...names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, ' ')}`),
    '',
    signedHeaders,
    headers['x-amz-content-sha256'],
  ].join('\n');
  const scope = `${day}/${opts.region}/${opts.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${opts.credentials.secretAccessKey}`, day), opts.region), opts.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${opts.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  headers['content-length'] = String(Buffer.byteLength(opts.body));
  return headers;
}
