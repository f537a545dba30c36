import * as cdk from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { appOf } from './app';
import type { Bindable, BindingProps } from './binding';
import { checkedId, registerBindable } from './bindable';

/** Props of {@link Bucket}. */
export interface BucketProps {
  /**
   * Browser access rules; `true` allows every origin to GET, PUT, POST, DELETE and HEAD (presigned uploads).
   * @default no CORS
   */
  readonly cors?: boolean | s3.CorsRule[];
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * CDK node id, when it must differ from the binding id.
     * @default the id
     */
    readonly id?: string;
    /**
     * Props passed to `s3.Bucket` over ours.
     * @default none
     */
    readonly bucket?: s3.BucketProps;
  };
}

/** An S3 bucket. Binds `bucketName` with `s3:*` on the bucket and its objects. */
export class Bucket extends Construct implements Bindable {
  public static readonly bindingType = 'Bucket';

  public readonly id: string;
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly cdk: { bucket: s3.Bucket };

  constructor(scope: Construct, id: string, props: BucketProps = {}) {
    super(scope, checkedId(scope, id, 'Bucket', { nodeId: props.cdk?.id }));
    this.id = id;
    const app = appOf(scope);
    const destroy = app._defaultRemovalPolicy === 'destroy';
    const cors =
      props.cors === true
        ? [
            {
              allowedOrigins: ['*'],
              allowedHeaders: ['*'],
              allowedMethods: [
                s3.HttpMethods.GET,
                s3.HttpMethods.PUT,
                s3.HttpMethods.POST,
                s3.HttpMethods.DELETE,
                s3.HttpMethods.HEAD,
              ],
              maxAge: 3000,
            },
          ]
        : props.cors || undefined;
    const bucket = new s3.Bucket(this, 'Bucket', {
      cors,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      ...(destroy ? { removalPolicy: cdk.RemovalPolicy.DESTROY, autoDeleteObjects: true } : {}),
      ...props.cdk?.bucket,
    });
    this.cdk = { bucket };
    this.bucketName = bucket.bucketName;
    this.bucketArn = bucket.bucketArn;
    registerBindable(this);
  }

  public getBindings(): BindingProps {
    return {
      type: Bucket.bindingType,
      clientPackage: 'bucket',
      variables: { bucketName: { type: 'plain', value: this.bucketName } },
      permissions: [{ actions: ['s3:*'], resources: [this.bucketArn, `${this.bucketArn}/*`] }],
    };
  }
}
