import type { CloudSettings } from '../state-dir';
import { randomKeys } from './auth';
import type { Journal } from './journal';
import type { MotoClient, WireRequest } from './moto-client';

export interface AccessKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

export const ADMIN_USER = 'nx-sst-local-admin';

/** moto routes the daemon's own IAM calls by this credential scope; nobody checks it (access control is off). */
const SETUP_KEY_ID = 'AKIANXSSTLOCALSETUP0';

function iamCall(params: Record<string, string>, host: string): WireRequest {
  return {
    method: 'POST',
    url: '/',
    headers: {
      host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      // moto routes by the SigV4 credential scope; access control is still off during set-up.
      authorization: `AWS4-HMAC-SHA256 Credential=${SETUP_KEY_ID}/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: Buffer.from(new URLSearchParams({ ...params, Version: '2010-05-08' }).toString()),
  };
}

/**
 * The keys clients get, made at the first start of a state directory and kept in its `cloud.json`
 * (0600). Without IAM enforcement they are random; with it moto only accepts keys of real IAM users,
 * so an administrator and its access key are created through journaled writes (replay recreates the
 * identical key: moto's random generator is seeded per write, from the directory's random seed base),
 * then access control is turned on. Either way the front accepts only these and the keys they lead to.
 */
export async function setUpAccess(
  settings: CloudSettings,
  saved: Partial<AccessKeys> | undefined,
  moto: MotoClient,
  journal: Journal,
): Promise<AccessKeys> {
  if (!settings.iam) {
    if (saved?.accessKeyId && saved.secretAccessKey)
      return { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey };
    return randomKeys();
  }
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
