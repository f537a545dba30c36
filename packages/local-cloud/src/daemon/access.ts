import type { CloudSettings } from '../state-dir';
import type { Journal } from './journal';
import type { MotoClient, WireRequest } from './moto-client';

export interface AccessKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Without IAM enforcement moto accepts any key; these are the ones handed out. */
export const STATIC_KEYS: AccessKeys = {
  accessKeyId: 'AKIANXSSTLOCALCLOUD0',
  secretAccessKey: 'nx-sst-local-cloud',
};

export const ADMIN_USER = 'nx-sst-local-admin';

function iamCall(params: Record<string, string>, host: string): WireRequest {
  return {
    method: 'POST',
    url: '/',
    headers: {
      host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      // moto routes by the SigV4 credential scope; access control is still off during set-up.
      authorization: `AWS4-HMAC-SHA256 Credential=${STATIC_KEYS.accessKeyId}/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: Buffer.from(new URLSearchParams({ ...params, Version: '2010-05-08' }).toString()),
  };
}

/**
 * The keys clients get. With IAM enforcement moto only accepts keys of real IAM users, so the first
 * start of a state directory creates an administrator and its access key through journaled writes
 * (replay recreates the identical key: moto's random generator is seeded per write), then turns
 * access control on.
 */
export async function setUpAccess(
  settings: CloudSettings,
  saved: Partial<AccessKeys> | undefined,
  moto: MotoClient,
  journal: Journal,
): Promise<AccessKeys> {
  if (!settings.iam) return STATIC_KEYS;
  let keys: AccessKeys;
  if (saved?.accessKeyId && saved.secretAccessKey) {
    keys = { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey };
  } else {
    const host = `127.0.0.1:${moto.port}`;
    const write = async (params: Record<string, string>) => {
      const seq = journal.seq;
      await moto.seed(seq);
      const request = iamCall(params, host);
      const response = await moto.send(request);
      if (response.status !== 200) {
        throw new Error(
          `IAM set-up call ${params.Action} failed: HTTP ${response.status} ${response.body.toString()}`,
        );
      }
      await journal.append(request, seq);
      return response.body.toString('utf8');
    };
    await write({ Action: 'CreateUser', UserName: ADMIN_USER });
    await write({
      Action: 'PutUserPolicy',
      UserName: ADMIN_USER,
      PolicyName: 'administrator',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    });
    const created = await write({ Action: 'CreateAccessKey', UserName: ADMIN_USER });
    const id = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(created);
    const secret = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(created);
    if (!id || !secret) throw new Error(`moto's CreateAccessKey answer has no key: ${created}`);
    keys = { accessKeyId: id[1], secretAccessKey: secret[1] };
  }
  const enforce = await moto.send({
    method: 'POST',
    url: '/moto-api/reset-auth',
    headers: {},
    body: Buffer.from('0'),
  });
  if (enforce.status !== 200)
    throw new Error(`moto refused to turn on access control (HTTP ${enforce.status})`);
  return keys;
}
