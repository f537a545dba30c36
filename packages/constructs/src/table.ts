import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { appOf } from './app';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import type { Function, FunctionDefinition } from './function';
import { StreamConsumers } from './stream-consumers';

/** Type of a key attribute. */
export type TableFieldType = 'string' | 'number' | 'binary';

/** A primary or secondary index. */
export interface TableIndexProps {
  /** Partition key field. */
  readonly partitionKey: string;
  /**
   * Sort key field.
   * @default no sort key
   */
  readonly sortKey?: string;
}

/** What a table's stream carries. */
export type TableStream = boolean | 'keys_only' | 'new_image' | 'old_image' | 'new_and_old_images';

/** Props of {@link Table}. */
export interface TableProps {
  /** Key attributes and their types; every index key must be declared here. */
  readonly fields: Record<string, TableFieldType>;
  /** The table's primary key. */
  readonly primaryIndex: TableIndexProps;
  /**
   * Global secondary indexes by name.
   * @default none
   */
  readonly globalIndexes?: Record<string, TableIndexProps>;
  /**
   * DynamoDB stream; `true` means new and old images.
   * @default no stream
   */
  readonly stream?: TableStream;
  /**
   * Stream consumer functions by name (they need `stream`).
   * @default none
   */
  readonly consumers?: Record<string, FunctionDefinition>;
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
     * Props passed to `dynamodb.Table` over ours.
     * @default on-demand billing
     */
    readonly table?: Partial<dynamodb.TableProps>;
  };
}

/** A DynamoDB table. Binds `tableName` with `dynamodb:*` on the table and its indexes. */
export class Table extends Construct implements Bindable {
  public static readonly bindingType = 'Table';

  public readonly id: string;
  public readonly tableName: string;
  public readonly tableArn: string;
  public readonly cdk: { table: dynamodb.Table };
  private readonly consumers: StreamConsumers;

  constructor(scope: Construct, id: string, props: TableProps) {
    super(scope, checkedId(scope, id, 'Table', { nodeId: props?.cdk?.id }));
    this.id = id;
    const describe = `Table "${id}"`;
    if (!props || !props.fields || !props.primaryIndex) {
      throw new Error(
        `${describe}: needs "fields" and "primaryIndex", e.g. { fields: { pk: "string" }, primaryIndex: { partitionKey: "pk" } }.`,
      );
    }
    const attribute = (name: string, role: string): dynamodb.Attribute => {
      const type = props.fields[name];
      if (!type) {
        throw new Error(
          `${describe}: ${role} "${name}" is not in "fields". Add it: fields: { ${name}: "string" }.`,
        );
      }
      const map = {
        string: dynamodb.AttributeType.STRING,
        number: dynamodb.AttributeType.NUMBER,
        binary: dynamodb.AttributeType.BINARY,
      };
      if (!(type in map))
        throw new Error(
          `${describe}: field "${name}" has type "${type}"; use "string", "number" or "binary".`,
        );
      return { name, type: map[type] };
    };
    const stream = toStreamViewType(props.stream);
    if (props.consumers && Object.keys(props.consumers).length && !stream) {
      throw new Error(
        `${describe}: "consumers" read the table's stream; set stream: true (or "new_image", …).`,
      );
    }
    const app = appOf(scope);
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(props.primaryIndex.partitionKey, 'primaryIndex.partitionKey'),
      sortKey: props.primaryIndex.sortKey
        ? attribute(props.primaryIndex.sortKey, 'primaryIndex.sortKey')
        : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream,
      ...(app._defaultRemovalPolicy === 'destroy' ? { removalPolicy: cdk.RemovalPolicy.DESTROY } : {}),
      ...props.cdk?.table,
    });
    for (const [indexName, index] of Object.entries(props.globalIndexes ?? {})) {
      table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: attribute(index.partitionKey, `globalIndexes.${indexName}.partitionKey`),
        sortKey: index.sortKey ? attribute(index.sortKey, `globalIndexes.${indexName}.sortKey`) : undefined,
      });
    }
    this.cdk = { table };
    this.tableName = table.tableName;
    this.tableArn = table.tableArn;
    this.consumers = new StreamConsumers(
      this,
      id,
      props.consumers,
      (startingPosition) => new sources.DynamoEventSource(table, { startingPosition }),
    );
    registerBindable(this);
  }

  /** The function of a stream consumer. */
  public getFunction(name: string): Function | undefined {
    return this.consumers.get(name);
  }

  /** Binds constructs to every stream consumer. */
  public bind(constructs: BindingResource[]): void {
    this.consumers.bind(constructs);
  }

  public getBindings(): BindingProps {
    return {
      type: Table.bindingType,
      clientPackage: 'table',
      variables: { tableName: { type: 'plain', value: this.tableName } },
      permissions: [{ actions: ['dynamodb:*'], resources: [this.tableArn, `${this.tableArn}/*`] }],
    };
  }
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
