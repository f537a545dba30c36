import { formatStacks } from './summary';

describe('formatStacks', () => {
  it("lists each stack's status and the outputs of stack.addOutputs, without CDK's cross-stack exports", () => {
    expect(
      formatStacks('Deployed shop to the stage "local"', {
        durationMs: 12_340,
        stacks: [
          {
            name: 'local-shop-Api',
            status: 'deployed',
            outputs: {
              ApiEndpoint: 'https://abc.execute-api.us-east-1.amazonaws.com',
              ExportsOutputRefnotesTable1234ABCD: 'local-shop-notes',
              Bucket: 'local-shop-uploads',
            },
          },
          { name: 'local-shop-Data', status: 'skipped', outputs: {} },
        ],
      }),
    ).toBe(
      [
        '',
        '✔ Deployed shop to the stage "local" in 12.3 s',
        '  local-shop-Api  deployed',
        '    ApiEndpoint: https://abc.execute-api.us-east-1.amazonaws.com',
        '    Bucket: local-shop-uploads',
        '  local-shop-Data  unchanged (skipped)',
        '',
      ].join('\n'),
    );
  });
});
