import * as http from 'node:http';

export interface PlainResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request as a browser or curl sends it: no signature, Origin and preflight as given. The SDK never does this. */
export function unsignedRequest(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
