import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectStage } from './cloud';

// The profile of config() picks credentials from the shared files, as the SDK resolves them (no
// AWS call is made: credentials are only resolved).
describe('connectStage on an AWS stage', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-aws-'));
  const saved = { ...process.env };
  beforeAll(() => {
    fs.writeFileSync(
      path.join(dir, 'credentials'),
      '[acme-dev]\naws_access_key_id = AKIAACMEDEV\naws_secret_access_key = acme-dev-secret\n',
    );
    fs.writeFileSync(path.join(dir, 'config'), '');
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });
  afterAll(() => {
    process.env = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const connect = (profile?: string, env: NodeJS.ProcessEnv = process.env) =>
    connectStage({ workspaceRoot: dir, stage: 'dev', region: 'eu-west-1', profile, env });

  it('uses the profile config() names, for the engine and for bound commands', async () => {
    const cloud = await connect('acme-dev');
    expect(cloud.clientConfig).toEqual({ region: 'eu-west-1', profile: 'acme-dev' });
    expect(cloud.env).toEqual({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_PROFILE: 'acme-dev',
    });
  });

  it('says which profile has no credentials', async () => {
    await expect(connect('acme-prod')).rejects.toThrow(
      'No AWS credentials for the stage "dev" with the profile "acme-prod" (from config())',
    );
    await expect(connect()).rejects.toThrow(/^No AWS credentials for the stage "dev" \(/);
  });

  it('ignores the profile when keys are set in the environment, as SST v2 does', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret' };
    process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
    try {
      const cloud = await connect('acme-prod', env);
      expect(cloud.clientConfig).toEqual({ region: 'eu-west-1' });
      expect(cloud.env.AWS_PROFILE).toBeUndefined();
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });
});
