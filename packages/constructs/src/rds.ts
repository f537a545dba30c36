import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { appOf } from './app';
import type { Bindable, BindingPermission, BindingProps } from './binding';
import { checkedId, registerBindable } from './bindable';

/** Engines of an {@link RDS} cluster. */
export type RDSEngine = 'postgresql16' | 'postgresql15' | 'mysql8.0';

/** Props of {@link RDS}. */
export interface RDSProps {
  /** Database engine. */
  readonly engine: RDSEngine;
  /** Database created with the cluster; the Data API connects to it by default. */
  readonly defaultDatabaseName: string;
  /**
   * Aurora capacity units of the serverless v2 writer.
   * @default { minCapacity: 0.5, maxCapacity: 4 }
   */
  readonly scaling?: { readonly minCapacity?: number; readonly maxCapacity?: number };
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
     * VPC of the cluster.
     * @default a new VPC with isolated subnets in two zones (the Data API needs no NAT)
     */
    readonly vpc?: ec2.IVpc;
    /**
     * Props passed to `rds.DatabaseCluster` over ours.
     * @default none
     */
    readonly cluster?: Partial<rds.DatabaseClusterProps>;
  };
}

/**
 * Aurora Serverless v2 with the Data API. Binds `clusterArn`, `secretArn` and `defaultDatabaseName` with
 * `rds-data:*` on the cluster and read access to its credentials secret.
 */
export class RDS extends Construct implements Bindable {
  public static readonly bindingType = 'RDS';

  public readonly id: string;
  public readonly clusterArn: string;
  public readonly secretArn: string;
  public readonly defaultDatabaseName: string;
  public readonly cdk: { cluster: rds.DatabaseCluster };

  constructor(scope: Construct, id: string, props: RDSProps) {
    super(scope, checkedId(scope, id, 'RDS', { nodeId: props?.cdk?.id }));
    this.id = id;
    const describe = `RDS "${id}"`;
    if (!props?.engine || !props.defaultDatabaseName) {
      throw new Error(
        `${describe}: needs "engine" ("postgresql16", "postgresql15" or "mysql8.0") and "defaultDatabaseName".`,
      );
    }
    if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(props.defaultDatabaseName)) {
      throw new Error(
        `${describe}: defaultDatabaseName "${props.defaultDatabaseName}" must start with a letter and use letters, digits and "_" (at most 63).`,
      );
    }
    const engine = {
      postgresql16: () =>
        rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      postgresql15: () =>
        rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_15_8 }),
      'mysql8.0': () =>
        rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 }),
    }[props.engine];
    if (!engine)
      throw new Error(
        `${describe}: engine "${props.engine}" is not supported; use "postgresql16", "postgresql15" or "mysql8.0".`,
      );
    const vpc =
      props.cdk?.vpc ??
      new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      });
    const destroy = appOf(scope)._defaultRemovalPolicy === 'destroy';
    const cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: engine(),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      writer: rds.ClusterInstance.serverlessV2('writer'),
      serverlessV2MinCapacity: props.scaling?.minCapacity ?? 0.5,
      serverlessV2MaxCapacity: props.scaling?.maxCapacity ?? 4,
      defaultDatabaseName: props.defaultDatabaseName,
      enableDataApi: true,
      ...(destroy ? { removalPolicy: cdk.RemovalPolicy.DESTROY } : {}),
      ...props.cdk?.cluster,
    });
    this.cdk = { cluster };
    this.clusterArn = cluster.clusterArn;
    this.secretArn = cluster.secret!.secretArn;
    this.defaultDatabaseName = props.defaultDatabaseName;
    registerBindable(this);
  }

  public getBindings(): BindingProps {
    const permissions: BindingPermission[] = [
      { actions: ['rds-data:*'], resources: [this.clusterArn] },
      {
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [this.secretArn],
      },
    ];
    const key = this.cdk.cluster.secret?.encryptionKey;
    if (key) permissions.push({ actions: ['kms:Decrypt'], resources: [key.keyArn] });
    return {
      type: RDS.bindingType,
      clientPackage: 'rds',
      variables: {
        clusterArn: { type: 'plain', value: this.clusterArn },
        secretArn: { type: 'plain', value: this.secretArn },
        defaultDatabaseName: { type: 'plain', value: this.defaultDatabaseName },
      },
      permissions,
    };
  }
}
