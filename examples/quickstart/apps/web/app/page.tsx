import crypto from 'node:crypto';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Bucket } from '@nx-sst/runtime/bucket';
import { Config, load } from '@nx-sst/runtime/config';
import { Upload } from './upload';

// Signed for each request, with the role credentials of web's bindings.
export const dynamic = 'force-dynamic';

export default async function Home() {
  // Fetches the secrets once, then again at most every minute (a long-running server).
  await load({ maxAge: 60_000 });
  const key = crypto.randomUUID();
  const command = new PutObjectCommand({ Bucket: Bucket.public.bucketName, Key: key });
  const url = await getSignedUrl(new S3Client({}), command);

  return (
    <main>
      <h1>{Config.BRAND} uploads</h1>
      <p>
        Bucket: <code id="bucket">{Bucket.public.bucketName}</code>
      </p>
      <p>{Config.STRIPE_KEY ? 'STRIPE_KEY is set' : 'STRIPE_KEY is not set'}</p>
      <Upload url={url} objectKey={key} />
    </main>
  );
}
