import { awsError } from './aws-errors';
import type { AnswerFilter, GapHandler } from './front';

/** Header through which the front tells moto's CloudFormation (patched) which resource types must fail. */
export const FAIL_TYPES_HEADER = 'x-nx-sst-fail-resource-types';

const DEPLOY_ACTIONS = new Set(['CreateStack', 'UpdateStack', 'ExecuteChangeSet']);

/**
 * Forced failure of named resource types during a deploy: the deploy call carries the types to
 * moto (see python/nx_sst_patches/cloudformation.py), which rolls the stack back and names the
 * failing resource. The header is journaled with the call, so a replay fails the same way.
 */
export const failResourceTypes: GapHandler = async (exchange, moto) => {
  const { request, info } = exchange;
  delete request.headers[FAIL_TYPES_HEADER];
  const types = moto.faults.failResourceTypes;
  if (info.service === 'cloudformation' && DEPLOY_ACTIONS.has(info.action) && types && types.length > 0) {
    request.headers[FAIL_TYPES_HEADER] = types.join(',');
  }
  return undefined;
};

/**
 * CORS is S3's alone, and only as the bucket's CORS rules say: moto's S3 answers preflights and
 * actual requests from those rules (moto's blanket CORS layer, which let every origin preflight and
 * read every service, is turned off). Any other service never answers a CORS header, so a web page
 * can neither preflight a call to it nor read its answer.
 */
export const corsFromBucketRulesOnly: AnswerFilter = async (exchange, response) => {
  const names = Object.keys(response.headers);
  if (exchange.info.service === 's3' || !names.some((n) => n.startsWith('access-control-'))) return response;
  const headers = Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => !name.startsWith('access-control-')),
  );
  return { ...response, headers };
};

const JSON_AUTH_CODES: Record<string, string> = {
  AccessDenied: 'AccessDeniedException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
};

/**
 * moto's access control answers denials in XML whatever the protocol; JSON clients (SSM, DynamoDB,
 * Lambda…) then fail with a parse error instead of AccessDeniedException. Re-encode as the service would.
 */
export const jsonAuthErrors: AnswerFilter = async (exchange, response) => {
  const { protocol } = exchange.info;
  if ((protocol !== 'json' && protocol !== 'rest-json') || response.status !== 403) return response;
  const text = response.body.toString('utf8');
  if (!text.trimStart().startsWith('<')) return response;
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'AccessDenied';
  const message = (/<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? 'Access denied')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  const error = awsError(protocol, protocol === 'json' ? 400 : 403, JSON_AUTH_CODES[code] ?? code, message);
  return { status: error.status, headers: error.headers, body: Buffer.from(error.body) };
};

/**
 * An operation moto lacks (or crashes in) comes back as a Werkzeug HTML page with HTTP 500, which
 * SDKs retry for ~25 s (toolkit-lib's CloudTrail lookup after a failed deploy did) and then report
 * as a parse error. Answer at once, in the service's format, with what is missing.
 */
export const unsupportedOperations: AnswerFilter = async (exchange, response) => {
  if (response.status < 500 || !/text\/html/i.test(response.headers['content-type'] ?? '')) return response;
  const { service, action, protocol } = exchange.info;
  const error = awsError(
    protocol,
    400,
    protocol === 'json' ? 'UnknownOperationException' : 'NotImplemented',
    `The nx-sst local cloud (moto) does not support ${service}:${action} (moto answered HTTP ${response.status}).`,
  );
  return { status: error.status, headers: error.headers, body: Buffer.from(error.body) };
};

/**
 * moto refuses an anonymous object request (no bucket policy or ACL allows it) with an empty 403,
 * where S3 sends an AccessDenied error document that SDKs and browsers' devtools show.
 */
export const s3EmptyDenials: AnswerFilter = async (exchange, response) => {
  if (exchange.info.service !== 's3' || response.status !== 403 || response.body.length > 0) return response;
  if (exchange.request.method === 'HEAD') return response;
  const error = awsError('rest-xml', 403, 'AccessDenied', 'Access Denied');
  return { status: error.status, headers: error.headers, body: Buffer.from(error.body) };
};

/**
 * The `stall` fault: CloudFormation answers a change set as still being created, or a stack as in
 * the middle of its operation, so a client's wait never ends (as one did after a restart, when a
 * change set the journal had deleted was still described). Only the answer is changed.
 */
export const stallCloudFormation: AnswerFilter = async (exchange, response, moto) => {
  const stall = moto.faults.stall;
  const { service, action } = exchange.info;
  if (!stall?.length || service !== 'cloudformation' || response.status !== 200) return response;
  let text = response.body.toString('utf8');
  if (action === 'DescribeChangeSet' && stall.includes('changeSets')) {
    text = text
      .replace(/(<Status>|"Status"\s*:\s*")[A-Z_]+/g, '$1CREATE_IN_PROGRESS')
      .replace(/(<ExecutionStatus>|"ExecutionStatus"\s*:\s*")[A-Z_]+/, '$1UNAVAILABLE');
  } else if (action === 'DescribeStacks' && stall.includes('stacks')) {
    text = text.replace(
      /(<StackStatus>|"StackStatus"\s*:\s*")([A-Z_]+?)_(COMPLETE|FAILED)\b/g,
      '$1$2_IN_PROGRESS',
    );
  } else {
    return response;
  }
  return { ...response, body: Buffer.from(text) };
};

/** moto's gaps the front fills, in the order they are tried. */
export const allGaps: GapHandler[] = [failResourceTypes];

/** Filters applied to every answer. */
export const answerFilters: AnswerFilter[] = [
  unsupportedOperations,
  stallCloudFormation,
  s3EmptyDenials,
  corsFromBucketRulesOnly,
  jsonAuthErrors,
];
