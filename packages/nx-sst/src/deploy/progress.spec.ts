import { ProgressHost } from './progress';

const activity = (status: string, logicalId: string, reason = '') => ({
  time: new Date(),
  level: 'info' as const,
  action: 'deploy' as const,
  code: 'CDK_TOOLKIT_I5502' as const,
  message: '',
  data: {
    event: {
      StackName: 'dev-shop-Default',
      LogicalResourceId: logicalId,
      ResourceType: 'AWS::SQS::Queue',
      ResourceStatus: status,
      ResourceStatusReason: reason,
    },
  },
});

describe('ProgressHost', () => {
  it('prints one timestamped line per resource event when not on a terminal, and collects failures', async () => {
    let out = '';
    const host = new ProgressHost({ live: false, write: (t) => (out += t) });
    await host.notify(activity('CREATE_IN_PROGRESS', 'jobs'));
    await host.notify(activity('CREATE_FAILED', 'jobs', 'Queue limit exceeded'));
    await host.notify(activity('DELETE_FAILED', 'other', 'Resource creation cancelled'));
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\S+Z dev-shop-Default \| CREATE_IN_PROGRESS \| AWS::SQS::Queue jobs$/,
    );
    expect(lines[1]).toMatch(/CREATE_FAILED \| AWS::SQS::Queue jobs \| Queue limit exceeded$/);
    // A cancellation is a consequence of another failure, not a cause worth reporting.
    expect(host.failures).toEqual([
      {
        stack: 'dev-shop-Default',
        logicalId: 'jobs',
        type: 'AWS::SQS::Queue',
        status: 'CREATE_FAILED',
        reason: 'Queue limit exceeded',
      },
    ]);
  });

  it('keeps one live status line per stack on a terminal, printing failures above it', async () => {
    let out = '';
    const host = new ProgressHost({ live: true, write: (t) => (out += t) });
    await host.notify(activity('CREATE_IN_PROGRESS', 'a'));
    await host.notify(activity('CREATE_COMPLETE', 'a'));
    expect(out).toBe(
      'dev-shop-Default | CREATE_IN_PROGRESS | AWS::SQS::Queue a\n\x1b[1F\x1b[Jdev-shop-Default | CREATE_COMPLETE | AWS::SQS::Queue a\n',
    );
    out = '';
    await host.notify(activity('CREATE_FAILED', 'b', 'boom'));
    expect(out).toBe(
      '\x1b[1F\x1b[Jdev-shop-Default | CREATE_FAILED | AWS::SQS::Queue b | boom\ndev-shop-Default | CREATE_COMPLETE | AWS::SQS::Queue a\n',
    );
  });

  it('confirms security changes and destroys like a non-interactive CLI', async () => {
    const host = new ProgressHost({ write: () => {} });
    const request = (code: string) =>
      host.requestResponse({
        time: new Date(),
        level: 'info',
        action: 'deploy',
        code,
        message: '',
        data: {},
        defaultResponse: false,
      } as never);
    expect(await request('CDK_TOOLKIT_I5060')).toBe(true);
    expect(await request('CDK_TOOLKIT_I7010')).toBe(true);
    expect(await request('CDK_TOOLKIT_I5050')).toBe(false);
  });
});
