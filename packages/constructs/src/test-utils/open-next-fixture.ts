import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes an OpenNext output as `@opennextjs/aws` 4.1.12 lays it out (the same open-next.output.json, folders
 * and handler names) into `<siteDir>/.open-next`, small enough for specs: the server function answers with a
 * value from a CommonJS chunk that holds `{{ key }}`, as Next.js inlines a deploy-time `NEXT_PUBLIC_*` value
 * built with a placeholder. Returns the folder.
 */
export function writeOpenNextFixture(
  siteDir: string,
  options: { placeholder?: string; publicFiles?: string[]; buildId?: string } = {},
): string {
  const key = options.placeholder ?? 'NEXT_PUBLIC_API_URL';
  const buildId = options.buildId ?? 'fixtureBuildId';
  const out = path.join(siteDir, '.open-next');
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
    fs.writeFileSync(path.join(out, rel), text);
  };
  write(
    'open-next.output.json',
    JSON.stringify({
      edgeFunctions: {},
      origins: {
        s3: {
          type: 's3',
          originPath: '_assets',
          copy: [
            { from: '.open-next/assets', to: '_assets', cached: true, versionedSubDir: '_next' },
            { from: '.open-next/cache', to: '_cache', cached: false },
          ],
        },
        imageOptimizer: {
          type: 'function',
          handler: 'index.handler',
          bundle: '.open-next/image-optimization-function',
          streaming: false,
          imageLoader: 's3',
          wrapper: 'aws-lambda',
          converter: 'aws-apigw-v2',
        },
        default: {
          type: 'function',
          handler: 'index.handler',
          bundle: '.open-next/server-functions/default',
          streaming: false,
          wrapper: 'aws-lambda',
          converter: 'aws-apigw-v2',
          queue: 'sqs',
          incrementalCache: 's3',
          tagCache: 'dynamodb',
        },
      },
      behaviors: [
        { pattern: '_next/image*', origin: 'imageOptimizer' },
        { pattern: '_next/data/*', origin: 'default' },
        { pattern: '*', origin: 'default' },
        { pattern: 'BUILD_ID', origin: 's3' },
        { pattern: '_next/*', origin: 's3' },
      ],
      additionalProps: {
        warmer: { handler: 'index.handler', bundle: '.open-next/warmer-function' },
        initializationFunction: { handler: 'index.handler', bundle: '.open-next/dynamodb-provider' },
        revalidationFunction: { handler: 'index.handler', bundle: '.open-next/revalidation-function' },
      },
    }),
  );
  write(
    'server-functions/default/index.mjs',
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
export const handler = async (event) => {
  const { value } = require('./.next/server/chunks/ssr/page.js');
  const body = '<p id="client">' + value + '</p><p id="server">' + (process.env.SERVER_VALUE ?? '') + '</p><p id="path">' + (event.rawPath ?? '') + '</p>';
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
};
`,
  );
  write('server-functions/default/.next/server/chunks/ssr/page.js', `exports.value = "{{ ${key} }}";\n`);
  write('server-functions/default/.next/BUILD_ID', buildId);
  write(
    'image-optimization-function/index.mjs',
    // Reads the image from the assets as OpenNext's does (BUCKET_NAME, BUCKET_KEY_PREFIX), picks the format from
    // Accept and tags the answer with the size asked for: no resizing here (the build spec runs OpenNext's own).
    `export const handler = async (event) => {
  const q = new URLSearchParams(event.rawQueryString ?? '');
  const res = await fetch(process.env.AWS_ENDPOINT_URL + '/' + process.env.BUCKET_NAME + '/' + process.env.BUCKET_KEY_PREFIX + q.get('url'));
  if (!res.ok) return { statusCode: 400, body: '"url" parameter is not allowed' };
  const headers = {
    'content-type': (event.headers?.accept ?? '').includes('image/webp') ? 'image/webp' : 'image/png',
    etag: '"' + q.get('url') + ' ' + q.get('w') + ' ' + q.get('q') + '"',
    'x-fixture': 'dropped',
  };
  return { statusCode: 200, headers, body: Buffer.from(await res.arrayBuffer()).toString('base64'), isBase64Encoded: true };
};
`,
  );
  write(
    'revalidation-function/index.mjs',
    'export const handler = async () => ({ batchItemFailures: [] });\n',
  );
  write('warmer-function/index.mjs', 'export const handler = async () => ({});\n');
  write('dynamodb-provider/index.mjs', 'export const handler = async () => ({});\n');
  write(
    'dynamodb-provider/dynamodb-cache.json',
    JSON.stringify([
      { tag: { S: `${buildId}/_N_T_/layout` }, path: { S: `${buildId}/index` }, revalidatedAt: { N: '1' } },
    ]),
  );
  write('assets/BUILD_ID', buildId);
  write('assets/_next/static/chunks/app.js', `self.apiUrl = "{{ ${key} }}";\n`);
  write(`assets/_next/static/${buildId}/_buildManifest.js`, 'self.__BUILD_MANIFEST = {};\n');
  for (const file of options.publicFiles ?? ['favicon.ico']) write(`assets/${file}`, 'public file\n');
  write(`cache/${buildId}/static.cache`, JSON.stringify({ type: 'app', html: `<p>{{ ${key} }}</p>` }));
  return out;
}
