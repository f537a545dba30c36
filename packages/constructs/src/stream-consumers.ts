import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { BindingResource } from './binding';
import { Function, type FunctionDefinition } from './function';

/**
 * The consumer functions of a stream (a Table's or a KinesisStream's): one Function per name, with the id
 * `{id}-{name}` under the owning construct, each reading from the latest record. Kept internal so both
 * constructs expose the same `getFunction()` and `bind()` and create the same logical ids.
 */
export class StreamConsumers {
  private readonly functions = new Map<string, Function>();

  constructor(
    scope: Construct,
    id: string,
    consumers: Record<string, FunctionDefinition> | undefined,
    eventSource: (startingPosition: lambda.StartingPosition) => lambda.IEventSource,
  ) {
    for (const [name, def] of Object.entries(consumers ?? {})) {
      const fn = Function.fromDefinition(scope, `${id}-${name}`, def);
      fn.addEventSource(eventSource(lambda.StartingPosition.LATEST));
      this.functions.set(name, fn);
    }
  }

  public get(name: string): Function | undefined {
    return this.functions.get(name);
  }

  public bind(constructs: BindingResource[]): void {
    for (const fn of this.functions.values()) fn.bind(constructs);
  }
}
