import { describeRequest } from './request-info';

const scope = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;

describe('describeRequest', () => {
  it('routes a request by the service of its SigV4 credential scope', () => {
    const info = describeRequest(
      'POST',
      '/',
      { authorization: scope('ssm'), 'x-amz-target': 'AmazonSSM.GetParameters' },
      Buffer.alloc(0),
    );
    expect(info).toMatchObject({
      service: 'ssm',
      action: 'GetParameters',
      protocol: 'json',
      mutating: false,
    });
  });

  it('routes a presigned URL by the scope in its query', () => {
    const credential = encodeURIComponent('AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request');
    const info = describeRequest(
      'PUT',
      `/uploads/a.txt?X-Amz-Credential=${credential}&X-Amz-Signature=0`,
      {},
      Buffer.alloc(0),
    );
    expect(info).toMatchObject({ service: 's3', action: 'PutObject', mutating: true });
  });

  it.each([
    ['GET', '/site/index.html', { host: '127.0.0.1:4566' }, 'GetObject', false],
    ['HEAD', '/site/index.html', { host: '127.0.0.1:4566' }, 'HeadObject', false],
    ['OPTIONS', '/site/index.html', { origin: 'http://localhost:3000' }, 'OPTIONS', false],
    ['PUT', '/site/new.txt', {}, 'PutObject', true],
    ['GET', '/index.html', { host: 'site.s3.localhost:4566' }, 'GetObject', false],
    ['GET', '/', { host: 'site.s3.us-east-1.amazonaws.com' }, 'ListObjects', false],
    ['GET', '/site', { host: 's3.us-east-1.amazonaws.com' }, 'ListObjects', false],
  ])('sends an unsigned %s %s (a browser, curl) to S3', (method, url, headers, action, mutating) => {
    expect(describeRequest(method, url, headers, Buffer.alloc(0))).toMatchObject({
      service: 's3',
      protocol: 'rest-xml',
      action,
      mutating,
    });
  });
});
