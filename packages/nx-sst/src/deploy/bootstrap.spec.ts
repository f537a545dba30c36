import { bootstrapProblem } from './deploy';

describe('bootstrapProblem', () => {
  const env = 'aws://123456789012/eu-west-1';

  it('accepts a current bootstrap', () => {
    expect(bootstrapProblem(env, 6)).toBeUndefined();
    expect(bootstrapProblem(env, 30)).toBeUndefined();
  });

  it('names a missing bootstrap and the command that fixes it', () => {
    const problem = bootstrapProblem(env, undefined)!;
    expect(problem.message).toBe(
      `${env} is not bootstrapped for the AWS CDK (no /cdk-bootstrap/hnb659fds/version).`,
    );
    expect(problem.hint).toBe(`Run the deploy with --bootstrap once (or: npx cdk bootstrap ${env}).`);
  });

  it('names an old bootstrap with the version it has and needs', () => {
    expect(bootstrapProblem(env, 3)!.message).toBe(
      `${env} has CDK bootstrap version 3; nx-sst needs 6 or later.`,
    );
  });
});
