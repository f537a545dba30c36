import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IoMessage } from '@aws-cdk/toolkit-lib';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { NxSstError } from '../core/errors';
import { agentProtocol, DEFAULT_WAIT_TIMEOUT_S, WaitWatchdog, waitTimeoutMs } from './wait-watchdog';

/** A message as toolkit-lib sends it (only what the watchdog reads). */
const debug = (message: string, code = 'CDK_TOOLKIT_I0000'): IoMessage<unknown> =>
  ({ time: new Date(), level: 'debug', action: 'deploy', code, message, data: undefined }) as never;
const sdk = (commandName: string, input: object, output: object): IoMessage<unknown> =>
  ({
    time: new Date(),
    level: 'trace',
    action: 'deploy',
    code: 'CDK_SDK_I0100',
    message: '[SDK info] …',
    data: { sdkLevel: 'info', content: [{ clientName: 'CloudFormationClient', commandName, input, output }] },
  }) as never;

const STACK = 'local-shop-Default';

function watchdog(timeoutS = 120) {
  let t = 1_000_000;
  const lines: string[] = [];
  const dog = new WaitWatchdog({
    local: true,
    timeoutMs: timeoutS * 1000,
    report: (l) => lines.push(l),
    now: () => t,
  });
  const advance = (s: number) => {
    t += s * 1000;
    dog.check();
  };
  return { dog, lines, advance };
}

describe('WaitWatchdog', () => {
  it('gives up on a change set that stays CREATE_IN_PROGRESS, naming the stack, change set, status and the fix', () => {
    const { dog, lines, advance } = watchdog(120);
    try {
      dog.observe(
        debug(`Waiting for changeset cdk-deploy-change-set on stack ${STACK} to finish creating...`),
      );
      for (let i = 0; i < 23; i++) {
        advance(5);
        dog.observe(debug(`Changeset cdk-deploy-change-set on stack ${STACK} is still creating`));
      }
      expect(dog.failure).toBeUndefined();
      expect(lines).toEqual([
        `${STACK}: still waiting for the change set cdk-deploy-change-set to be created (CREATE_IN_PROGRESS), 30 s so far; gives up after 120 s without a change (NX_SST_WAIT_TIMEOUT)`,
        `${STACK}: still waiting for the change set cdk-deploy-change-set to be created (CREATE_IN_PROGRESS), 60 s so far; gives up after 120 s without a change (NX_SST_WAIT_TIMEOUT)`,
        `${STACK}: still waiting for the change set cdk-deploy-change-set to be created (CREATE_IN_PROGRESS), 90 s so far; gives up after 120 s without a change (NX_SST_WAIT_TIMEOUT)`,
      ]);
      advance(10);
      expect(dog.failure).toBeInstanceOf(NxSstError);
      expect(dog.failure!.message).toBe(
        `${STACK}: the change set cdk-deploy-change-set stayed CREATE_IN_PROGRESS (waiting for it to be created); waited 125 s, 120 s of them without any change (NX_SST_WAIT_TIMEOUT), and gave up.`,
      );
      expect(dog.failure!.hint).toMatch(
        /^The local cloud has lost track .* `nx-sst local stop` .* NX_SST_WAIT_TIMEOUT=<seconds> sets the limit \(0: none\)\.$/,
      );
      // toolkit-lib's next awaited message stops its loop; a message it does not await never throws.
      expect(() =>
        dog.observe(debug(`Changeset cdk-deploy-change-set on stack ${STACK} is still creating`)),
      ).toThrow(dog.failure!);
      expect(() => dog.observe(sdk('DescribeChangeSetCommand', { StackName: STACK }, {}))).not.toThrow();
    } finally {
      dog.stop();
    }
  });

  it('gives up on an old change set that is never deleted, seen only through the SDK calls (the hang after a restart)', () => {
    const { dog, advance } = watchdog(60);
    try {
      dog.observe(
        debug(`Waiting for changeset cdk-deploy-change-set on stack ${STACK} to finish deleting...`),
      );
      for (let i = 0; i < 13; i++) {
        dog.observe(
          sdk(
            'DescribeChangeSetCommand',
            { StackName: STACK, ChangeSetName: 'cdk-deploy-change-set' },
            { Status: 'CREATE_COMPLETE', ExecutionStatus: 'EXECUTE_COMPLETE' },
          ),
        );
        advance(5);
      }
      expect(dog.failure?.message).toBe(
        `${STACK}: the change set cdk-deploy-change-set was still there (CREATE_COMPLETE/EXECUTE_COMPLETE) after the deploy deleted it; waited 60 s, 60 s of them without any change (NX_SST_WAIT_TIMEOUT), and gave up.`,
      );
    } finally {
      dog.stop();
    }
  });

  it('counts a new status or a stack event as progress', () => {
    const { dog, advance } = watchdog(60);
    const busy = (status: string) =>
      debug(`Stack ${STACK} has an ongoing operation in progress and is not stable (${status})`);
    /** `n` polls, 5 s apart, as toolkit-lib's waiter makes them. */
    const polls = (n: number, status = 'UPDATE_IN_PROGRESS') => {
      for (let i = 0; i < n; i++) {
        advance(5);
        dog.observe(busy(status));
      }
    };
    try {
      dog.observe(debug(`Waiting for stack ${STACK} to finish creating or updating...`));
      polls(10);
      dog.observe({
        ...debug('event', 'CDK_TOOLKIT_I5502'),
        data: { event: { StackName: STACK, ResourceStatus: 'CREATE_COMPLETE' } },
      } as never);
      polls(10);
      dog.observe(
        sdk(
          'DescribeStacksCommand',
          { StackName: STACK },
          { Stacks: [{ StackName: STACK, StackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' }] },
        ),
      );
      polls(11);
      expect(dog.failure).toBeUndefined();
      // toolkit-lib's next poll message after the watchdog gave up throws, which ends its loop.
      expect(() => polls(1)).toThrow();
      expect(dog.failure?.message).toMatch(
        new RegExp(
          `^${STACK}: the stack stayed UPDATE_COMPLETE_CLEANUP_IN_PROGRESS; waited 160 s, 60 s of them`,
        ),
      );
    } finally {
      dog.stop();
    }
  });

  it('ends a wait toolkit-lib leaves on a settled stack, or silently, without giving up', () => {
    const { dog, advance } = watchdog(10);
    try {
      // toolkit-lib's look at its bootstrap stack: stable at the first call, so it says nothing more.
      dog.observe(debug('Waiting for stack CDKToolkit to finish creating or updating...'));
      dog.observe(
        sdk(
          'DescribeStacksCommand',
          { StackName: 'CDKToolkit' },
          { Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'CREATE_COMPLETE' }] },
        ),
      );
      advance(30);
      expect(dog.failure).toBeUndefined();
      // A change set that is ready ends its wait; a wait with no poll for 20 s ended unseen.
      dog.observe(debug(`Waiting for changeset cs on stack ${STACK} to finish creating...`));
      dog.observe(sdk('DescribeChangeSetCommand', { StackName: STACK }, { Status: 'CREATE_COMPLETE' }));
      dog.observe(debug(`Waiting for stack ${STACK} to finish creating or updating...`));
      for (let i = 0; i < 3; i++) advance(5);
      advance(20);
      expect(dog.failure).toBeUndefined();
    } finally {
      dog.stop();
    }
  });

  it('lets a wait end when toolkit-lib says something else about its stack (a longer name is another stack)', () => {
    const { dog, advance } = watchdog(60);
    try {
      dog.observe(debug(`Waiting for stack ${STACK} to finish creating or updating...`));
      dog.observe(debug(`Stack ${STACK}Extra has completed updating`));
      advance(30);
      dog.observe(debug(`Stack ${STACK} has completed updating`));
      advance(600);
      expect(dog.failure).toBeUndefined();
    } finally {
      dog.stop();
    }
  });

  it('makes the SDK agent refuse every request once it gave up', async () => {
    const server = http.createServer((_, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { dog, advance } = watchdog(10);
    const get = () =>
      new Promise<string>((resolve, reject) => {
        const req = http.get(
          { host: '127.0.0.1', port: (server.address() as AddressInfo).port, agent: dog.agent },
          (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.statusCode)));
          },
        );
        req.on('error', reject);
      });
    try {
      expect(await get()).toBe('200');
      dog.observe(debug(`Waiting for stack ${STACK} to finish creating or updating...`));
      for (let i = 0; i < 4 && !dog.failure; i++) {
        advance(4);
        if (!dog.failure)
          dog.observe(
            debug(
              `Stack ${STACK} has an ongoing operation in progress and is not stable (UPDATE_IN_PROGRESS)`,
            ),
          );
      }
      expect(dog.failure).toBeDefined();
      await expect(get()).rejects.toBe(dog.failure);
    } finally {
      dog.stop();
      dog.agent.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('WaitWatchdog on the local cloud', () => {
  it('fails every request at once, without the SDK retrying, after the daemon refused one', async () => {
    // A port nothing listens on: the local cloud's daemon was killed.
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const dog = new WaitWatchdog({ local: true, timeoutMs: 120_000 });
    // Seven attempts, as toolkit-lib's clients make (with its backoff, half a minute of them).
    const ssm = new SSMClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      requestHandler: { httpAgent: dog.agent },
      maxAttempts: 7,
    });
    try {
      const error = (await ssm.send(new GetParameterCommand({ Name: '/x' })).catch((e) => e)) as Error & {
        $metadata?: { attempts?: number };
      };
      expect(error.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
      expect((error as NodeJS.ErrnoException).code).toBeUndefined();
      // The refused attempt, then the one that failed at once; nothing after it.
      expect(error.$metadata?.attempts).toBe(2);
      expect(dog.stopped).toBe(error);
    } finally {
      ssm.destroy();
      dog.agent.destroy();
    }
  });

  it('leaves refused connections to the SDK on AWS', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const dog = new WaitWatchdog({ local: false, plainHttp: true, timeoutMs: 120_000 });
    const get = () =>
      new Promise<void>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, agent: dog.agent }, () => resolve()).on('error', reject);
      });
    try {
      for (let i = 0; i < 2; i++) await expect(get()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(dog.stopped).toBeUndefined();
    } finally {
      dog.agent.destroy();
    }
  });
});

describe('waitTimeoutMs (NX_SST_WAIT_TIMEOUT)', () => {
  it('defaults by stage kind, takes seconds, 0 for no limit, and refuses anything else by name', () => {
    expect(waitTimeoutMs({}, true)).toBe(DEFAULT_WAIT_TIMEOUT_S.local * 1000);
    expect(waitTimeoutMs({}, false)).toBe(DEFAULT_WAIT_TIMEOUT_S.aws * 1000);
    expect(waitTimeoutMs({ NX_SST_WAIT_TIMEOUT: '90' }, true)).toBe(90_000);
    expect(waitTimeoutMs({ NX_SST_WAIT_TIMEOUT: '0' }, false)).toBe(0);
    expect(() => waitTimeoutMs({ NX_SST_WAIT_TIMEOUT: '10m' }, true)).toThrow(
      'NX_SST_WAIT_TIMEOUT="10m" is not a number of seconds.',
    );
  });

  it('with no limit still reports a long wait, every minute', () => {
    const { dog, lines, advance } = watchdog(0);
    try {
      dog.observe(debug(`Waiting for stack ${STACK} to finish creating or updating...`));
      for (let i = 0; i < 720; i++) {
        advance(5);
        dog.observe(
          debug(`Stack ${STACK} has an ongoing operation in progress and is not stable (UPDATE_IN_PROGRESS)`),
        );
      }
      expect(dog.failure).toBeUndefined();
      expect(lines.length).toBe(60);
      expect(lines[59]).toBe(
        `${STACK}: still waiting for the stack to settle (UPDATE_IN_PROGRESS), 3600 s so far`,
      );
    } finally {
      dog.stop();
    }
  });
});

describe('agentProtocol', () => {
  it('fits the agent to the endpoints: local and http overrides plain HTTP, AWS HTTPS, mixed overrides none', () => {
    expect(agentProtocol(true, {})).toBe('http');
    expect(agentProtocol(false, {})).toBe('https');
    expect(agentProtocol(false, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe('http');
    expect(agentProtocol(false, { AWS_ENDPOINT_URL_S3: 'https://s3.example' })).toBe('https');
    expect(
      agentProtocol(false, {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_S3: 'https://s3.example',
      }),
    ).toBeUndefined();
  });
});
