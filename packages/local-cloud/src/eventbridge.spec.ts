import {
  CreateEventBusCommand,
  DisableRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import * as cdk from 'aws-cdk-lib';
import { startLocalCloud, stopDaemon, type LocalCloud } from './index';
import {
  deployNodeFunction,
  parametersUnder,
  startRecordingCloud,
  until,
} from './test-utils/recording-functions';
import { deployStack, nodeCode } from './test-utils/deploy-stack';

jest.setTimeout(180_000);

const itOnRealClock = process.env.NX_SST_E2E === '1' ? it : it.skip;

// Each event a function gets is kept as a parameter under /got/<function>/.
const HANDLERS = `
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
const ssm = new SSMClient({});
let n = 0;
export const record = async (event) => {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  await ssm.send(new PutParameterCommand({ Name: '/got/' + name + '/' + Date.now() + '-' + n++, Value: JSON.stringify(event), Type: 'String' }));
  return { seen: event['detail-type'] ?? null };
};
export const fails = async () => { throw new Error('the job failed'); };
export const flaky = async (event) => { await record(event); throw new Error('flaky'); };
`;

describe('EventBridge on the local cloud: rules run their function targets', () => {
  let cloud: LocalCloud;
  let events: EventBridgeClient;
  let lambda: LambdaClient;
  let ssm: SSMClient;
  let roleArn: string;

  const fn = (name: string, handler = 'index.record') =>
    deployNodeFunction(lambda, { name, code: HANDLERS, handler, roleArn });
  const got = async (name: string): Promise<Record<string, unknown>[]> =>
    Object.values(await parametersUnder(ssm, `/got/${name}`)).map(
      (v) => JSON.parse(v) as Record<string, unknown>,
    );
  const rule = async (
    name: string,
    props: { pattern?: unknown; schedule?: string; bus?: string },
    targets: { Id: string; Arn: string; Input?: string; InputPath?: string; InputTransformer?: unknown }[],
  ) => {
    const { RuleArn } = await events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: props.bus,
        ...(props.pattern ? { EventPattern: JSON.stringify(props.pattern) } : {}),
        ...(props.schedule ? { ScheduleExpression: props.schedule } : {}),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: props.bus,
        Targets: targets as never,
      }),
    );
    return RuleArn!;
  };

  const savedScale = process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE;
  beforeAll(async () => {
    // Lambda's asynchronous retries wait 1 and 2 minutes: a hundredth here.
    process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE = '0.01';
    ({ cloud, lambda, ssm, roleArn } = await startRecordingCloud('events-target'));
    events = new EventBridgeClient(cloud.clientConfig);
  });
  afterAll(async () => {
    events?.destroy();
    lambda?.destroy();
    ssm?.destroy();
    await cloud?.stop();
    if (savedScale === undefined) delete process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE;
    else process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE = savedScale;
  });

  it('PutEvents runs each target of each matching, enabled rule once, with EventBridge`s event (default and custom bus), also across a restart', async () => {
    const matched = await fn('matched');
    const other = await fn('other');
    const onBus = await fn('on-bus');
    const disabled = await fn('disabled');
    await rule('orders', { pattern: { source: ['shop'], 'detail-type': ['OrderPlaced'] } }, [
      { Id: 'm', Arn: matched },
    ]);
    await rule('numbers', { pattern: { source: ['shop'], detail: { total: [{ numeric: ['>', 100] }] } } }, [
      { Id: 'o', Arn: other },
    ]);
    await rule('off', { pattern: { source: ['shop'] } }, [{ Id: 'd', Arn: disabled }]);
    await events.send(new DisableRuleCommand({ Name: 'off' }));
    await events.send(new CreateEventBusCommand({ Name: 'app-bus' }));
    await rule('on-custom', { pattern: { source: ['shop'] }, bus: 'app-bus' }, [{ Id: 'b', Arn: onBus }]);

    const { Entries, FailedEntryCount } = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify({ id: 'o-1', total: 42 }) },
          {
            Source: 'shop',
            DetailType: 'Other',
            Detail: JSON.stringify({ id: 'o-2', total: 420 }),
            Resources: ['arn:x'],
          },
          {
            Source: 'shop',
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify({ id: 'o-3', total: 1 }),
            EventBusName: 'app-bus',
          },
        ],
      }),
    );
    expect(FailedEntryCount).toBe(0);

    const [event] = await until('the matched function', async () => {
      const list = await got('matched');
      return list.length ? list : undefined;
    });
    expect(event).toEqual({
      version: '0',
      id: Entries![0].EventId,
      'detail-type': 'OrderPlaced',
      source: 'shop',
      account: cloud.accountId,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: cloud.region,
      resources: [],
      detail: { id: 'o-1', total: 42 },
    });
    const [numeric] = await until('the numeric rule`s function', async () => {
      const list = await got('other');
      return list.length ? list : undefined;
    });
    expect(numeric).toMatchObject({ id: Entries![1].EventId, resources: ['arn:x'], detail: { id: 'o-2' } });
    const [custom] = await until('the custom bus`s function', async () => {
      const list = await got('on-bus');
      return list.length ? list : undefined;
    });
    expect(custom).toMatchObject({ id: Entries![2].EventId, detail: { id: 'o-3' } });
    // Time enough for anything extra to have run.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await got('matched')).toHaveLength(1);
    expect(await got('other')).toHaveLength(1);
    expect(await got('on-bus')).toHaveLength(1);
    expect(await got('disabled')).toHaveLength(0);

    // The replay puts the events again inside moto: their deliveries must not run a second time.
    await stopDaemon(cloud.stateDir);
    const restarted = await startLocalCloud({ stateDir: cloud.stateDir });
    cloud = { ...restarted, stop: cloud.stop };
    for (const client of [events, lambda, ssm]) client.destroy();
    events = new EventBridgeClient(cloud.clientConfig);
    lambda = new LambdaClient(cloud.clientConfig);
    ssm = new SSMClient(cloud.clientConfig);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await got('matched')).toHaveLength(1);
    expect(await got('on-bus')).toHaveLength(1);
  });

  it('a custom bus and its rule deployed with CloudFormation (as an EventBus construct makes them) run the function', async () => {
    const outputs = await deployStack(cloud, 'Bus', (stack) => {
      const fn = new cdk.aws_lambda.Function(stack, 'Subscriber', {
        functionName: 'cfn-subscriber',
        runtime: cdk.aws_lambda.Runtime.NODEJS_22_X,
        handler: 'index.record',
        code: nodeCode(HANDLERS),
      });
      fn.addToRolePolicy(
        new cdk.aws_iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: ['*'] }),
      );
      const bus = new cdk.aws_events.EventBus(stack, 'EventBus');
      new cdk.aws_events.Rule(stack, 'Rule_placed', {
        eventBus: bus,
        eventPattern: { source: ['shop'], detailType: ['Placed'] },
      }).addTarget(new cdk.aws_events_targets.LambdaFunction(fn));
      new cdk.CfnOutput(stack, 'BusName', { value: bus.eventBusName });
    });
    await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop', DetailType: 'Placed', Detail: '{"n":1}', EventBusName: outputs.BusName },
          { Source: 'shop', DetailType: 'Other', Detail: '{"n":2}', EventBusName: outputs.BusName },
        ],
      }),
    );
    const [event] = await until('the subscriber', async () => {
      const list = await got('cfn-subscriber');
      return list.length ? list : undefined;
    });
    expect(event).toMatchObject({ 'detail-type': 'Placed', detail: { n: 1 } });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await got('cfn-subscriber')).toHaveLength(1);
  });

  it('a failing target is retried as Lambda retries an asynchronous invocation (twice more, the same event)', async () => {
    const flaky = await fn('flaky', 'index.flaky');
    await rule('retried', { pattern: { source: ['retry'] } }, [{ Id: 'f', Arn: flaky }]);
    const { Entries } = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'retry', DetailType: 'Try', Detail: '{}' }] }),
    );
    const attempts = await until('three attempts', async () => {
      const list = await got('flaky');
      return list.length >= 3 ? list : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await got('flaky')).toHaveLength(3);
    expect(attempts.map((e) => e.id)).toEqual([
      Entries![0].EventId,
      Entries![0].EventId,
      Entries![0].EventId,
    ]);
  });

  it('a target`s Input, InputPath and InputTransformer shape what the function gets', async () => {
    const constant = await fn('constant');
    const pathed = await fn('pathed');
    const transformed = await fn('transformed');
    await rule('shaped', { pattern: { source: ['shaper'] } }, [
      { Id: 'c', Arn: constant, Input: JSON.stringify({ fixed: true }) },
      { Id: 'p', Arn: pathed, InputPath: '$.detail.order' },
      {
        Id: 't',
        Arn: transformed,
        InputTransformer: {
          InputPathsMap: { id: '$.detail.order.id', kind: '$.detail-type' },
          InputTemplate: '{"order": "<id>", "kind": "<kind>"}',
        },
      },
    ]);
    await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shaper', DetailType: 'Shaped', Detail: JSON.stringify({ order: { id: 'x-9', n: 2 } }) },
        ],
      }),
    );
    const first = (name: string) =>
      until(name, async () => {
        const list = await got(name);
        return list.length ? list[0] : undefined;
      });
    expect(await first('constant')).toEqual({ fixed: true });
    expect(await first('pathed')).toEqual({ id: 'x-9', n: 2 });
    expect(await first('transformed')).toEqual({ order: 'x-9', kind: 'Shaped' });
  });

  // Waits for the next minute on the real clock (up to 60 s): with the end-to-end suites (NX_SST_E2E=1, as CI
  // runs them). schedules.spec.ts covers the timing with a mocked clock, runSchedule below the firing.
  itOnRealClock(
    'a schedule fires its enabled rule`s functions with the Scheduled Event, not a disabled one, and not on PutEvents',
    async () => {
      const ticked = await fn('ticked');
      const idle = await fn('idle');
      const arn = await rule('every-minute', { schedule: 'cron(* * * * ? *)' }, [{ Id: 't', Arn: ticked }]);
      await rule('never', { schedule: 'rate(1 minute)' }, [{ Id: 'i', Arn: idle }]);
      await events.send(new DisableRuleCommand({ Name: 'never' }));
      // A scheduled rule without a pattern gets no events from a bus.
      await events.send(
        new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'Any', Detail: '{}' }] }),
      );
      const [event] = await until(
        'the minute`s fire',
        async () => {
          const list = await got('ticked');
          return list.length ? list : undefined;
        },
        75_000,
      );
      expect(event).toEqual({
        version: '0',
        id: expect.any(String),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: cloud.accountId,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/),
        region: cloud.region,
        resources: [arn],
        detail: {},
      });
      expect(await got('idle')).toHaveLength(0);
    },
  );

  it('runSchedule fires a rule now and reports each function`s answer or error', async () => {
    const job = await fn('job-now');
    const failing = await fn('job-fails', 'index.fails');
    const arn = await rule('nightly', { schedule: 'cron(0 3 * * ? *)' }, [
      { Id: 'ok', Arn: job },
      { Id: 'bad', Arn: failing },
    ]);
    const run = await cloud.runSchedule(arn);
    expect(run).toMatchObject({ ruleArn: arn, ruleName: 'nightly', state: 'ENABLED' });
    const byId = Object.fromEntries(run!.targets.map((t) => [t.targetId, t]));
    expect(byId.ok).toMatchObject({
      ok: true,
      functionArn: job,
      payload: JSON.stringify({ seen: 'Scheduled Event' }),
    });
    expect(byId.bad).toMatchObject({
      ok: false,
      functionArn: failing,
      error: { errorType: 'Error', errorMessage: 'the job failed' },
    });
    expect(await got('job-now')).toEqual([
      expect.objectContaining({ 'detail-type': 'Scheduled Event', resources: [arn] }),
    ]);
    expect(await cloud.runSchedule(arn.replace('nightly', 'nope'))).toBeUndefined();
  });
});
