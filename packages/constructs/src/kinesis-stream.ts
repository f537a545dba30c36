import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import type { Function } from './function';
import { type StreamConsumer, StreamConsumers } from './stream-consumers';

/** Props of {@link KinesisStream}. */
export interface KinesisStreamProps {
  /**
   * Consumer functions by name, or `{ function, filters, cdk: { eventSource } }`; they read from the latest
   * record unless the event source says otherwise.
   * @default no consumers
   */
  readonly consumers?: Record<string, StreamConsumer<Partial<sources.KinesisEventSourceProps>>>;
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
     * Props passed to `kinesis.Stream` over ours.
     * @default on-demand capacity
     */
    readonly stream?: kinesis.StreamProps;
  };
}

/** A Kinesis data stream. Binds `streamName` with `kinesis:*` on the stream. */
export class KinesisStream extends Construct implements Bindable {
  public static readonly bindingType = 'KinesisStream';

  public readonly id: string;
  public readonly streamName: string;
  public readonly streamArn: string;
  public readonly cdk: { stream: kinesis.Stream };
  private readonly consumers: StreamConsumers;

  constructor(scope: Construct, id: string, props: KinesisStreamProps = {}) {
    super(scope, checkedId(scope, id, 'KinesisStream', { nodeId: props.cdk?.id }));
    this.id = id;
    const stream = new kinesis.Stream(this, 'Stream', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      ...props.cdk?.stream,
    });
    this.cdk = { stream };
    this.streamName = stream.streamName;
    this.streamArn = stream.streamArn;
    this.consumers = new StreamConsumers(
      this,
      id,
      props.consumers,
      (options, overrides) => new sources.KinesisEventSource(stream, { ...options, ...overrides }),
      {},
      `KinesisStream "${id}"`,
    );
    registerBindable(this);
  }

  /** The function of a consumer. */
  public getFunction(name: string): Function | undefined {
    return this.consumers.get(name);
  }

  /** Binds constructs to every consumer function. */
  public bind(constructs: BindingResource[]): void {
    this.consumers.bind(constructs);
  }

  public getBindings(): BindingProps {
    return {
      type: KinesisStream.bindingType,
      clientPackage: 'kinesis-stream',
      variables: { streamName: { type: 'plain', value: this.streamName } },
      permissions: [{ actions: ['kinesis:*'], resources: [this.streamArn] }],
    };
  }
}
