import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';
import { unsignedRequest } from './test-utils/unsigned-request';

jest.setTimeout(180_000);

const objectsOf = (logicalId: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId, 'Arn'] }, '/*']] });

/**
 * The bucket of a StaticSite as CDK writes it (publicReadAccess, enforceSSL, autoDeleteObjects): public
 * reads, a deny with a condition, and a grant to one role.
 */
const siteTemplate = {
  Resources: {
    Site: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: 'public-site',
        // As CDK writes `cors` (a Bucket with `cors: true`): CORS is answered only as these rules say.
        CorsConfiguration: {
          CorsRules: [
            { AllowedOrigins: ['http://localhost:3000'], AllowedMethods: ['GET', 'HEAD'], MaxAge: 3000 },
          ],
        },
      },
    },
    SitePolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'Site' },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: [{ 'Fn::GetAtt': ['Site', 'Arn'] }, objectsOf('Site')],
            },
            {
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:role/auto-delete' } },
              Action: ['s3:DeleteObject*', 's3:GetBucket*', 's3:List*', 's3:PutBucketPolicy'],
              Resource: [{ 'Fn::GetAtt': ['Site', 'Arn'] }, objectsOf('Site')],
            },
            { Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: objectsOf('Site') },
          ],
        },
      },
    },
  },
};

const ORIGIN = 'http://localhost:3000';

describe.each([{ iam: false }, { iam: true }])('S3 requests without a signature (iam: $iam)', ({ iam }) => {
  let cloud: LocalCloud;
  let s3: S3Client;
  let url: (path: string) => string;

  beforeAll(async () => {
    cloud = await startTestCloud({ iam });
    url = (path) => `${cloud.endpoint}${path}`;
    s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      await cfn.send(
        new CreateStackCommand({ StackName: 'Site', TemplateBody: JSON.stringify(siteTemplate) }),
      );
      await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 120 }, { StackName: 'Site' });
    } finally {
      cfn.destroy();
    }
    await s3.send(new CreateBucketCommand({ Bucket: 'private' }));
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: 'private',
        CORSConfiguration: {
          CORSRules: [
            { AllowedOrigins: [ORIGIN], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type'] },
          ],
        },
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'public-site',
        Key: 'index.html',
        Body: '<h1>hello</h1>',
        ContentType: 'text/html',
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'private', Key: 'secret.txt', Body: 'secret' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await cloud?.stop();
  });

  it('serves an object of a public-read bucket (policy deployed by CloudFormation) to a browser', async () => {
    const got = await unsignedRequest(url('/public-site/index.html'), 'GET', { Origin: ORIGIN });
    expect(got).toMatchObject({ status: 200, body: '<h1>hello</h1>' });
    expect(got.headers['content-type']).toBe('text/html');
    expect(got.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(got.headers['access-control-max-age']).toBe('3000');
    // Another origin gets the object (it is public) but no CORS header: its page cannot read it.
    const foreign = await unsignedRequest(url('/public-site/index.html'), 'GET', {
      Origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    // Virtual-host style, as a browser reaches http://public-site.s3.localhost:PORT/index.html.
    const port = new URL(cloud.endpoint).port;
    const hosted = await unsignedRequest(url('/index.html'), 'GET', {
      Host: `public-site.s3.localhost:${port}`,
    });
    expect(hosted).toMatchObject({ status: 200, body: '<h1>hello</h1>' });
    // A HEAD needs s3:GetObject, as on AWS (moto asked for "s3:HeadObject").
    expect((await unsignedRequest(url('/public-site/index.html'), 'HEAD')).status).toBe(200);
  });

  it('denies a private object with S3`s AccessDenied document', async () => {
    const got = await unsignedRequest(url('/private/secret.txt'), 'GET');
    expect(got.status).toBe(403);
    expect(got.headers['content-type']).toBe('application/xml');
    expect(got.body).toContain('<Code>AccessDenied</Code>');
    expect(got.body).not.toContain('secret');
  });

  it('does not let a statement for one role or one condition speak for everyone', async () => {
    // The auto-delete role's grant must not let anyone delete.
    expect((await unsignedRequest(url('/public-site/index.html'), 'DELETE')).status).toBe(403);
    // enforceSSL's deny (moto cannot evaluate aws:SecureTransport) must not deny signed callers.
    await s3.send(new PutObjectCommand({ Bucket: 'public-site', Key: 'signed.txt', Body: 'ok' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'public-site', Key: 'index.html' }));
    expect(await got.Body!.transformToString()).toBe('<h1>hello</h1>');
  });

  it('keeps presigned GET and PUT URLs working', async () => {
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'private', Key: 'secret.txt' }), {
      expiresIn: 300,
    });
    expect(await unsignedRequest(getUrl, 'GET')).toMatchObject({ status: 200, body: 'secret' });
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'private', Key: 'upload.txt' }), {
      expiresIn: 300,
    });
    expect((await unsignedRequest(putUrl, 'PUT', { 'Content-Type': 'text/plain' }, 'uploaded')).status).toBe(
      200,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'private', Key: 'upload.txt' }));
    expect(await got.Body!.transformToString()).toBe('uploaded');
  });

  it('answers a browser`s CORS preflight, also for an existing private object', async () => {
    const preflight = await unsignedRequest(url('/private/secret.txt'), 'OPTIONS', {
      Origin: ORIGIN,
      'Access-Control-Request-Method': 'PUT',
      'Access-Control-Request-Headers': 'content-type',
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(preflight.headers['access-control-allow-methods']).toContain('PUT');
    // A header the rule does not allow, and the public site's rules (GET from ORIGIN only), refuse.
    const header = await unsignedRequest(url('/private/secret.txt'), 'OPTIONS', {
      Origin: ORIGIN,
      'Access-Control-Request-Method': 'PUT',
      'Access-Control-Request-Headers': 'x-custom',
    });
    expect(header.status).toBe(403);
    const put = await unsignedRequest(url('/public-site/index.html'), 'OPTIONS', {
      Origin: ORIGIN,
      'Access-Control-Request-Method': 'PUT',
    });
    expect(put.status).toBe(403);
    expect(put.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps the public bucket public and the private one private across a restart (journal replay)', async () => {
    // Only the daemon: the state directory stays (afterAll's cloud.stop() removes it).
    await stopDaemon(cloud.stateDir);
    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    expect(again.endpoint).toBe(cloud.endpoint);
    expect(await unsignedRequest(url('/public-site/index.html'), 'GET')).toMatchObject({
      status: 200,
      body: '<h1>hello</h1>',
    });
    expect((await unsignedRequest(url('/private/secret.txt'), 'GET')).status).toBe(403);
  });

  it('denies anonymous listing and writes as S3 does', async () => {
    const list = await unsignedRequest(url('/private'), 'GET');
    expect(list.status).toBe(403);
    expect(list.body).toContain('<Code>AccessDenied</Code>');
    expect((await unsignedRequest(url('/private/new.txt'), 'PUT', {}, 'anonymous')).status).toBe(403);
    await expect(s3.send(new GetObjectCommand({ Bucket: 'private', Key: 'new.txt' }))).rejects.toBeInstanceOf(
      S3ServiceException,
    );
    // Nor the list of buckets, also not through an OPTIONS request (moto answered it with the list).
    expect((await unsignedRequest(url('/'), 'GET')).status).toBe(403);
    const options = await unsignedRequest(url('/'), 'OPTIONS');
    expect(options.status).toBe(400);
    expect(options.body).not.toContain('private');
    const preflight = await unsignedRequest(url('/'), 'OPTIONS', {
      Origin: ORIGIN,
      'Access-Control-Request-Method': 'GET',
    });
    expect(preflight.status).toBe(403);
    expect(preflight.body).not.toContain('private');
  });

  it('refuses a presigned URL of a key it never issued', async () => {
    const stranger = new S3Client({
      endpoint: cloud.endpoint,
      region: cloud.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIANOTISSUEDBYMOTO0', secretAccessKey: 'nope' },
    });
    try {
      const getUrl = await getSignedUrl(
        stranger,
        new GetObjectCommand({ Bucket: 'private', Key: 'secret.txt' }),
        { expiresIn: 300 },
      );
      const got = await unsignedRequest(getUrl, 'GET');
      expect(got.status).toBe(403);
      expect(got.body).toContain('<Code>InvalidAccessKeyId</Code>');
    } finally {
      stranger.destroy();
    }
  });

  if (!iam) {
    it('takes the policy off the bucket when its stack is deleted', async () => {
      const cfn = new CloudFormationClient(cloud.clientConfig);
      const template = {
        Resources: {
          OpenUp: {
            Type: 'AWS::S3::BucketPolicy',
            Properties: {
              Bucket: 'private',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: '*',
                    Action: 's3:GetObject',
                    Resource: 'arn:aws:s3:::private/*',
                  },
                ],
              },
            },
          },
        },
      };
      try {
        await cfn.send(
          new CreateStackCommand({ StackName: 'OpenUp', TemplateBody: JSON.stringify(template) }),
        );
        await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 120 }, { StackName: 'OpenUp' });
        expect(await unsignedRequest(url('/private/secret.txt'), 'GET')).toMatchObject({
          status: 200,
          body: 'secret',
        });
        await cfn.send(new DeleteStackCommand({ StackName: 'OpenUp' }));
        await waitUntilStackDeleteComplete({ client: cfn, maxWaitTime: 120 }, { StackName: 'OpenUp' });
        expect((await unsignedRequest(url('/private/secret.txt'), 'GET')).status).toBe(403);
      } finally {
        cfn.destroy();
      }
    });
  }
});
