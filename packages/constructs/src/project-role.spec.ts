// The role nx-sst bind assumes for a project with several targets (bind's project manifest).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bucket } from './bucket';
import { Cron } from './cron';
import { Function } from './function';
import { NextjsSite } from './nextjs-site';
import { projectManifestName, projectRole } from './bind-manifest';
import { writeOpenNextFixture } from './test-utils/open-next-fixture';
import { joinedText, logicalId, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe("a project's role", () => {
  const ws = useWorkspace();
  beforeAll(() => {
    writeOpenNextFixture(path.join(ws.root, 'apps/web'));
    fs.mkdirSync(path.join(ws.root, 'apps/web/src'), { recursive: true });
    fs.writeFileSync(path.join(ws.root, 'apps/web/src/cron.ts'), 'export const handler = async () => {};\n');
  });

  it("is the site's when the site's folder also holds a function (a cron job's handler), as in SST v2", () => {
    const { template } = ws.synth(({ stack }) => {
      const bucket = new Bucket(stack, 'files');
      new NextjsSite(stack, 'web', { path: 'apps/web', prebuilt: '.open-next', bind: [bucket] });
      new Cron(stack, 'cleanup', { schedule: 'rate(1 day)', job: 'apps/web/src/cron.handler' });
    });
    const param = Object.values(template.findResources('AWS::SSM::Parameter')).find(
      (p) => p.Properties.Name === projectManifestName('/sst/my-app/dev/', 'web'),
    )!;
    const manifest = JSON.parse(
      joinedText(param.Properties.Value, (part) => `<${JSON.stringify(part).replace(/"/g, "'")}>`),
    );
    expect(manifest.targets).toHaveLength(2);
    const siteRole = logicalId(template, 'AWS::IAM::Role', 'webServerFunctionServiceRole');
    expect(manifest.roleArn).toBe(`<{'Fn::GetAtt':['${siteRole}','Arn']}>`);
  });

  it("is the only target's, else the only site's, else none (bind --target picks one)", () => {
    const fn = (roleArn: string | null) => ({ kind: 'function' as const, roleArn });
    const site = (roleArn: string | null) => ({ kind: 'site' as const, roleArn });
    expect(projectRole([fn('a')])).toBe('a');
    expect(projectRole([fn(null)])).toBeUndefined();
    expect(projectRole([fn('a'), site('s')])).toBe('s');
    expect(projectRole([site('s'), fn('a'), fn('b')])).toBe('s');
    expect(projectRole([fn('a'), fn('b')])).toBeUndefined();
    expect(projectRole([site('s'), site('t')])).toBeUndefined();
    // A site without a role (a static site) gives none, rather than a function's.
    expect(projectRole([site(null), fn('a')])).toBeUndefined();
  });

  it('keeps no role for two functions of one project', () => {
    const { template } = ws.synth(({ stack }) => {
      new Function(stack, 'api', { handler: 'packages/functions/src/lambda.handler' });
      new Function(stack, 'worker', { handler: 'packages/functions/src/notes.list' });
    });
    const param = Object.values(template.findResources('AWS::SSM::Parameter')).find(
      (p) => p.Properties.Name === projectManifestName('/sst/my-app/dev/', 'functions'),
    )!;
    expect(JSON.parse(joinedText(param.Properties.Value, () => '<ref>')).roleArn).toBeUndefined();
  });
});
