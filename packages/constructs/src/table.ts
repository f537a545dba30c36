import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { appOf } from './app';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import type { Function, FunctionProps } from './function';
import type { KinesisStream } from './kinesis-stream';
import type { Permissions } from './permissions';
import { rejectUnknownProps } from './site-environment';
import { type StreamConsumer, StreamConsumers } from './stream-consumers';

/** Type of a key attribute. */
export type TableFieldType = 'string' | 'number' | 'binary';

/** The primary index. */
export interface TableIndexProps {
  /** Partition key field. */
  readonly partitionKey: string;
  /**
   * Sort key field.
   * @default no sort key
   */
  readonly sortKey?: string;
}

/** Which attributes an index holds: `"all"`, `"keys_only"`, or the extra attributes to include. */
export type TableIndexProjection = 'all' | 'keys_only' | string[];

/** A global secondary index. */
export interface TableGlobalIndexProps extends TableIndexProps {
  /**
   * Attributes the index holds.
   * @default 'all'
   */
  readonly projection?: TableIndexProjection;
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    readonly index?: Omit<dynamodb.GlobalSecondaryIndexProps, 'indexName' | 'partitionKey' | 'sortKey'>;
  };
}

/** A local secondary index (same partition key as the table). */
export interface TableLocalIndexProps {
  /** Sort key field. */
  readonly sortKey: string;
  /**
   * Attributes the index holds.
   * @default 'all'
   */
  readonly projection?: TableIndexProjection;
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: { readonly index?: Omit<dynamodb.LocalSecondaryIndexProps, 'indexName' | 'sortKey'> };
}

/** What a table's stream carries. */
export type TableStream = boolean | 'keys_only' | 'new_image' | 'old_image' | 'new_and_old_images';

/** Props of {@link Table}. */
export interface TableProps {
  /** Key attributes and their types; every index key must be declared here. Not with an existing `cdk.table`. */
  readonly fields?: Record<string, TableFieldType>;
  /** The table's primary key. Not with an existing `cdk.table`. */
  readonly primaryIndex?: TableIndexProps;
  /**
   * Global secondary indexes by name.
   * @default none
   */
  readonly globalIndexes?: Record<string, TableGlobalIndexProps>;
  /**
   * Local secondary indexes by name.
   * @default none
   */
  readonly localIndexes?: Record<string, TableLocalIndexProps>;
  /**
   * Attribute holding each item's expiry time (seconds since the epoch).
   * @default no time to live
   */
  readonly timeToLiveAttribute?: string;
  /**
   * A KinesisStream the table's changes are also sent to.
   * @default none
   */
  readonly kinesisStream?: KinesisStream;
  /**
   * DynamoDB stream; `true` means new and old images.
   * @default no stream
   */
  readonly stream?: TableStream;
  /**
   * Props of every consumer function created by this table.
   * @default none
   */
  readonly defaults?: { readonly function?: FunctionProps };
  /**
   * Stream consumers by name (they need `stream`): a function, or `{ function, filters, cdk: { eventSource } }`.
   * @default none
   */
  readonly consumers?: Record<string, StreamConsumer<Partial<sources.DynamoEventSourceProps>>>;
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
     * Props passed to `dynamodb.Table` over ours, or an existing table to use (as in SST v2).
     * @default on-demand billing
     */
    readonly table?: Partial<dynamodb.TableProps> | dynamodb.ITable;
  };
}

const TABLE_PROPS = [
  'fields',
  'primaryIndex',
  'globalIndexes',
  'localIndexes',
  'timeToLiveAttribute',
  'kinesisStream',
  'stream',
  'defaults',
  'consumers',
  'cdk',
] as const satisfies readonly (keyof TableProps)[];

/** A DynamoDB table. Binds `tableName` with `dynamodb:*` on the table and its indexes. */
export class Table extends Construct implements Bindable {
  public static readonly bindingType = 'Table';

  public readonly id: string;
  public readonly tableName: string;
  public readonly tableArn: string;
  public readonly cdk: { table: dynamodb.Table };
  private readonly consumers: StreamConsumers;
  private readonly fields: Record<string, TableFieldType>;
  private readonly describe: string;

  constructor(scope: Construct, id: string, props: TableProps) {
    super(scope, checkedId(scope, id, 'Table', { nodeId: props?.cdk?.id }));
    this.id = id;
    const describe = `Table "${id}"`;
    this.describe = describe;
    rejectUnknownProps(props ?? {}, TABLE_PROPS, describe);
    rejectUnknownProps(props?.cdk ?? {}, ['id', 'table'], `${describe} cdk`);
    const existing = props?.cdk?.table instanceof Construct ? (props.cdk.table as dynamodb.Table) : undefined;
    if (existing) {
      for (const prop of [
        'fields',
        'primaryIndex',
        'globalIndexes',
        'localIndexes',
        'stream',
        'timeToLiveAttribute',
        'kinesisStream',
      ] as const) {
        if (props[prop] !== undefined) {
          throw new Error(
            `${describe}: "${prop}" cannot be set when cdk.table is an existing table; configure that table instead.`,
          );
        }
      }
    } else if (!props || !props.fields || !props.primaryIndex) {
      throw new Error(
        `${describe}: needs "fields" and "primaryIndex", e.g. { fields: { pk: "string" }, primaryIndex: { partitionKey: "pk" } }.`,
      );
    }
    this.fields = props.fields ?? {};
    const stream = toStreamViewType(props.stream);
    const consumerCount = Object.keys(props.consumers ?? {}).length;
    if (consumerCount && !stream && !existing) {
      throw new Error(
        `${describe}: "consumers" read the table's stream; set stream: true (or "new_image", …).`,
      );
    }
    if (existing && consumerCount && !existing.tableStreamArn) {
      throw new Error(
        `${describe}: "consumers" read the table's stream, and the existing table has none known. Import it with dynamodb.Table.fromTableAttributes(…, { tableStreamArn }).`,
      );
    }
    let table: dynamodb.Table;
    if (existing) {
      table = existing;
    } else {
      const app = appOf(scope);
      table = new dynamodb.Table(this, 'Table', {
        partitionKey: this.attribute(props.primaryIndex!.partitionKey, 'primaryIndex.partitionKey'),
        sortKey: props.primaryIndex!.sortKey
          ? this.attribute(props.primaryIndex!.sortKey, 'primaryIndex.sortKey')
          : undefined,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        stream,
        timeToLiveAttribute: props.timeToLiveAttribute,
        kinesisStream: props.kinesisStream?.cdk.stream,
        ...(app._defaultRemovalPolicy === 'destroy' ? { removalPolicy: cdk.RemovalPolicy.DESTROY } : {}),
        ...(props.cdk?.table as Partial<dynamodb.TableProps> | undefined),
      });
    }
    this.cdk = { table };
    this.tableName = table.tableName;
    this.tableArn = table.tableArn;
    this.addGlobalIndexes(props.globalIndexes ?? {});
    this.addLocalIndexes(props.localIndexes ?? {});
    this.consumers = new StreamConsumers(
      this,
      id,
      props.consumers,
      (options, overrides) => new sources.DynamoEventSource(table, { ...options, ...overrides }),
      props.defaults?.function,
      describe,
    );
    registerBindable(this);
  }

  /** Adds global secondary indexes. */
  public addGlobalIndexes(indexes: Record<string, TableGlobalIndexProps>): void {
    for (const [indexName, index] of Object.entries(indexes)) {
      const where = `globalIndexes.${indexName}`;
      rejectUnknownProps(
        index,
        ['partitionKey', 'sortKey', 'projection', 'cdk'],
        `${this.describe} ${where}`,
      );
      this.cdk.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: this.attribute(index.partitionKey, `${where}.partitionKey`),
        sortKey: index.sortKey ? this.attribute(index.sortKey, `${where}.sortKey`) : undefined,
        ...toProjection(index.projection, `${this.describe} ${where}`),
        ...index.cdk?.index,
      });
    }
  }

  /** Adds local secondary indexes. */
  public addLocalIndexes(indexes: Record<string, TableLocalIndexProps>): void {
    for (const [indexName, index] of Object.entries(indexes)) {
      const where = `localIndexes.${indexName}`;
      rejectUnknownProps(index, ['sortKey', 'projection', 'cdk'], `${this.describe} ${where}`);
      this.cdk.table.addLocalSecondaryIndex({
        indexName,
        sortKey: this.attribute(index.sortKey, `${where}.sortKey`),
        ...toProjection(index.projection, `${this.describe} ${where}`),
        ...index.cdk?.index,
      });
    }
  }

  /** Adds stream consumers: `table.addConsumers(stack, { audit: "path.handler" })`, as in SST v2. */
  public addConsumers(
    scope: Construct,
    consumers: Record<string, StreamConsumer<Partial<sources.DynamoEventSourceProps>>>,
  ): void {
    if (!this.cdk.table.tableStreamArn) {
      throw new Error(
        `${this.describe}: consumers read the table's stream; set stream: true (or "new_image", …).`,
      );
    }
    this.consumers.add(scope, consumers);
  }

  /** The function of a stream consumer. */
  public getFunction(name: string): Function | undefined {
    return this.consumers.get(name);
  }

  /** Binds constructs to every stream consumer, including ones added later. */
  public bind(constructs: BindingResource[]): void {
    this.consumers.bind(constructs);
  }

  /** Binds constructs to one consumer. */
  public bindToConsumer(name: string, constructs: BindingResource[]): void {
    this.consumers.require(name).bind(constructs);
  }

  /** Adds permissions to every stream consumer, including ones added later. */
  public attachPermissions(permissions: Permissions): void {
    this.consumers.attachPermissions(permissions);
  }

  /** Adds permissions to one consumer. */
  public attachPermissionsToConsumer(name: string, permissions: Permissions): void {
    this.consumers.require(name).attachPermissions(permissions);
  }

  public getBindings(): BindingProps {
    return {
      type: Table.bindingType,
      clientPackage: 'table',
      variables: { tableName: { type: 'plain', value: this.tableName } },
      permissions: [{ actions: ['dynamodb:*'], resources: [this.tableArn, `${this.tableArn}/*`] }],
    };
  }

  private attribute(name: string, role: string): dynamodb.Attribute {
    const type = this.fields[name];
    if (!type) {
      throw new Error(
        `${this.describe}: ${role} "${name}" is not in "fields". Add it: fields: { ${name}: "string" }.`,
      );
    }
    const map = {
      string: dynamodb.AttributeType.STRING,
      number: dynamodb.AttributeType.NUMBER,
      binary: dynamodb.AttributeType.BINARY,
    };
    if (!(type in map))
      throw new Error(
        `${this.describe}: field "${name}" has type "${type}"; use "string", "number" or "binary".`,
      );
    return { name, type: map[type] };
  }
}

function toProjection(
  projection: TableIndexProjection | undefined,
  describe: string,
): { projectionType?: dynamodb.ProjectionType; nonKeyAttributes?: string[] } {
  if (projection === undefined || projection === 'all') return {};
  if (projection === 'keys_only') return { projectionType: dynamodb.ProjectionType.KEYS_ONLY };
  if (Array.isArray(projection))
    return { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: projection };
  throw new Error(
    `${describe}: projection "${projection}" is not "all", "keys_only" or a list of attributes.`,
  );
}

function toStreamViewType(stream: TableStream | undefined): dynamodb.StreamViewType | undefined {
  if (!stream) return undefined;
  if (stream === true) return dynamodb.StreamViewType.NEW_AND_OLD_IMAGES;
  return {
    keys_only: dynamodb.StreamViewType.KEYS_ONLY,
    new_image: dynamodb.StreamViewType.NEW_IMAGE,
    old_image: dynamodb.StreamViewType.OLD_IMAGE,
    new_and_old_images: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  }[stream];
}
