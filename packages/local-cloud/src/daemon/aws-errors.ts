import { randomUUID } from 'node:crypto';
import type { Protocol } from './request-info';

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An error body in the wire format the service's SDK client parses. */
export function awsError(protocol: Protocol, status: number, code: string, message: string): ErrorAnswer {
  const requestId = randomUUID();
  switch (protocol) {
    case 'json':
      return {
        status,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': code,
          'x-amzn-requestid': requestId,
        },
        body: JSON.stringify({ __type: code, message }),
      };
    case 'rest-json':
      return {
        status,
        headers: {
          'content-type': 'application/json',
          'x-amzn-errortype': code,
          'x-amzn-requestid': requestId,
        },
        body: JSON.stringify({ Type: 'User', message }),
      };
    case 'rest-xml':
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    case 'query':
      return {
        status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
  }
}

/**
 * The throttling answer each protocol family gets from AWS: JSON services `ThrottlingException`
 * (HTTP 400), query services `Throttling` (HTTP 400), S3 `SlowDown` (HTTP 503), REST-JSON services
 * such as Lambda `TooManyRequestsException` (HTTP 429). The SDKs retry all four as throttling.
 */
export function throttlingError(protocol: Protocol): ErrorAnswer {
  switch (protocol) {
    case 'json':
      return awsError('json', 400, 'ThrottlingException', 'Rate exceeded');
    case 'query':
      return awsError('query', 400, 'Throttling', 'Rate exceeded');
    case 'rest-xml':
      return awsError('rest-xml', 503, 'SlowDown', 'Please reduce your request rate.');
    case 'rest-json':
      return awsError('rest-json', 429, 'TooManyRequestsException', 'Rate exceeded');
  }
}
