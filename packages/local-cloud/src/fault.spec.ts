/*
 * The local cloud under the faults a hostile or careless user brings (issue "Hardening"): each test
 * is a reproduction run against the built daemon, asserting the fixed behaviour.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { scanJournal } from './daemon/journal';
import { startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';

/** The bin as published: the built file (the test target builds first). */
const CLI = path.join(__dirname, '..', 'dist', 'cli.js');

jest.setTimeout(120_000);

describe('concurrent writes', () => {
  let cloud: LocalCloud;
  let roleArn: string;

  beforeAll(async () => {
    cloud = await startTestCloud({ iam: true });
    const iam = new IAMClient(cloud.clientConfig);
    try {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'worker',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${cloud.accountId}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
      );
      roleArn = Role!.Arn!;
    } finally {
      iam.destroy();
    }
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('keeps every session issued by 8 concurrent AssumeRole calls × 20 rounds across a restart', async () => {
    const sts = new STSClient(cloud.clientConfig);
    const issued: { accessKeyId: string; secretAccessKey: string; sessionToken: string }[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `r${round}-${i}` })),
          ),
        );
        for (const { Credentials: c } of answers) {
          issued.push({
            accessKeyId: c!.AccessKeyId!,
            secretAccessKey: c!.SecretAccessKey!,
            sessionToken: c!.SessionToken!,
          });
        }
      }
    } finally {
      sts.destroy();
    }
    expect(new Set(issued.map((c) => c.accessKeyId)).size).toBe(160);

    await stopDaemon(cloud.stateDir);
    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    const lost: string[] = [];
    for (const credentials of issued) {
      const client = new STSClient({
        endpoint: again.endpoint,
        region: again.region,
        credentials,
        maxAttempts: 1,
      });
      try {
        await client.send(new GetCallerIdentityCommand({}));
      } catch (e) {
        lost.push(`${credentials.accessKeyId}: ${(e as Error).name}`);
      } finally {
        client.destroy();
      }
    }
    expect(lost).toEqual([]);
  });
});

describe('a damaged journal', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('refuses to start on a bit flipped in record 30 of 148, and starts from the 29 before it on request', async () => {
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      for (let i = 1; i <= 148; i++) {
        await ssm.send(
          new PutParameterCommand({ Name: `/fault/p${i}`, Value: `value ${i}`, Type: 'String' }),
        );
      }
    } finally {
      ssm.destroy();
    }
    await stopDaemon(cloud.stateDir);
    const file = path.join(cloud.stateDir, 'journal');
    const data = fs.readFileSync(file);
    // Record 30 starts where the first 29 end.
    const offset = scanJournal(data)
      .records.slice(0, 29)
      .reduce((at, r) => at + recordSize(r), 0);
    data[offset + 60] ^= 0x04;
    fs.writeFileSync(file, data);

    const refused = await startLocalCloud({ stateDir: cloud.stateDir }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain(
      `journal ${file} is damaged at byte ${offset}: record 30 fails its checksum and 118 intact record(s) follow it`,
    );
    expect((refused as Error).message).toContain(`nx-sst-local recover --state-dir ${cloud.stateDir}`);
    expect(fs.readFileSync(file)).toEqual(data);

    const recovered = spawnSync(process.execPath, [CLI, 'recover', '--state-dir', cloud.stateDir], {
      encoding: 'utf8',
    });
    expect(recovered).toMatchObject({ status: 0, stderr: '' });
    expect(recovered.stdout).toContain(`Kept the 29 record(s) before byte ${offset}`);

    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    const reader = new SSMClient(again.clientConfig);
    try {
      const names: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await reader.send(new GetParametersByPathCommand({ Path: '/fault', NextToken }));
        names.push(...page.Parameters!.map((p) => p.Name!));
        NextToken = page.NextToken;
      } while (NextToken);
      expect(names.sort()).toEqual(Array.from({ length: 29 }, (_, i) => `/fault/p${i + 1}`).sort());
    } finally {
      reader.destroy();
    }
  });
});

/** Bytes a record takes in the journal: frame, header length, header JSON and body. */
function recordSize(r: { seq: number; method: string; url: string; headers: object; body: Buffer }): number {
  const header = JSON.stringify({ seq: r.seq, method: r.method, url: r.url, headers: r.headers });
  return 8 + 4 + Buffer.byteLength(header) + r.body.length;
}
