import type { IncomingHttpHeaders } from 'node:http';

/** The AWS protocol of a request, which decides how errors the front answers itself must look. */
export type Protocol = 'json' | 'query' | 'rest-xml' | 'rest-json';

export interface RequestInfo {
  /** Signing name of the service (`ssm`, `s3`, `cloudformation`…), from the SigV4 credential scope. */
  service: string;
  /** API action (`GetParameters`, `CreateChangeSet`, `PutObject`…), best effort for REST services. */
  action: string;
  protocol: Protocol;
  /** Whether moto's state can change: such requests are serialized and journaled. */
  mutating: boolean;
  /** Decoded form fields of a query-protocol request (CloudFormation, STS, SNS, IAM). */
  form?: URLSearchParams;
}

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;
const READ_ACTION = /^(Get|List|Describe|BatchGet|Query|Scan|Head|Select|Lookup|Validate|Estimate|Detect)/;

function serviceOf(headers: IncomingHttpHeaders, url: URL): string {
  const auth = headers.authorization;
  const scope =
    (typeof auth === 'string' && CREDENTIAL_SCOPE.exec(auth)) ||
    CREDENTIAL_SCOPE.exec(`Credential=${url.searchParams.get('X-Amz-Credential') ?? ''}`);
  if (scope) return scope[1];
  // Unsigned requests: a browser's CORS preflight or a POST policy upload are S3's.
  return 's3';
}

/** Whether the bucket is named in the host (`bucket.s3.amazonaws.com`) rather than the path. */
function virtualHosted(headers: IncomingHttpHeaders): boolean {
  const hostname = String(headers.host ?? '').replace(/:\d+$/, '');
  return /\.s3[.-]/.test(hostname) && !/^s3[.-]/.test(hostname);
}

function s3Action(method: string, url: URL, headers: IncomingHttpHeaders): string {
  const segments = url.pathname.split('/').filter(Boolean).length;
  const hasKey = segments > (virtualHosted(headers) ? 0 : 1);
  const q = url.searchParams;
  switch (method) {
    case 'GET':
      return hasKey ? 'GetObject' : q.has('list-type') || q.size === 0 ? 'ListObjects' : 'GetBucket';
    case 'HEAD':
      return hasKey ? 'HeadObject' : 'HeadBucket';
    case 'PUT':
      return hasKey ? (q.has('partNumber') ? 'UploadPart' : 'PutObject') : 'PutBucket';
    case 'DELETE':
      return hasKey ? 'DeleteObject' : 'DeleteBucket';
    case 'POST':
      return q.has('delete') ? 'DeleteObjects' : 'PostObject';
    default:
      return method;
  }
}

/** Classifies a buffered request by service, action and whether it writes. */
export function describeRequest(
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): RequestInfo {
  const url = new URL(rawUrl, 'http://local');
  const service = serviceOf(headers, url);
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    const action = target.slice(target.lastIndexOf('.') + 1);
    return { service, action, protocol: 'json', mutating: !READ_ACTION.test(action) };
  }
  const contentType = String(headers['content-type'] ?? '');
  if (method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded') && service !== 's3') {
    const form = new URLSearchParams(body.toString('utf8'));
    const action = form.get('Action') ?? url.searchParams.get('Action') ?? 'Unknown';
    return { service, action, protocol: 'query', mutating: !READ_ACTION.test(action), form };
  }
  if (service === 's3') {
    return {
      service,
      action: s3Action(method, url, headers),
      protocol: 'rest-xml',
      mutating: method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS',
    };
  }
  return { service, action: method, protocol: 'rest-json', mutating: method !== 'GET' && method !== 'HEAD' };
}
