// Jest setup of this package (setupFilesAfterEnv): every template a spec synthesizes, through
// Template.fromStack, the workspace helpers or app.synth(), is checked against the CloudFormation resource
// specification and AWS's limits (validate-template.ts) when it is synthesized, so a construct that renders
// what AWS would refuse fails its spec instead of deploying only to the local cloud.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnElement, Stack, Stage, Token } from 'aws-cdk-lib';
import { assertValidTemplate } from './validate-template';

const checked = new WeakSet<object>();
const synth = Stage.prototype.synth;

Stage.prototype.synth = function (this: Stage, ...args: Parameters<Stage['synth']>) {
  const assembly = synth.apply(this, args);
  // Stage.synth returns the same assembly until the tree changes: check each one once.
  if (!checked.has(assembly)) {
    checked.add(assembly);
    validateStacks(this);
  }
  return assembly;
};

/** Validates the template of every stack under `stage`, nested stacks and stages included. */
export function validateStacks(stage: Stage): void {
  for (const stack of stage.node.findAll().filter(Stack.isStack)) {
    const outdir = Stage.of(stack)?.outdir;
    if (!outdir) continue;
    const file = path.join(outdir, stack.templateFile);
    // A nested stage synthesized on its own has not written the stacks of the stage around it.
    if (!fs.existsSync(file)) continue;
    const template = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    const constructPaths: Record<string, string> = {};
    for (const element of stack.node.findAll()) {
      if (CfnElement.isCfnElement(element) && element.stack === stack)
        constructPaths[stack.resolve(element.logicalId) as string] = element.node.path;
    }
    assertValidTemplate(template, stack.stackName, {
      constructPaths,
      region: Token.isUnresolved(stack.region) ? undefined : stack.region,
      account: Token.isUnresolved(stack.account) ? undefined : stack.account,
    });
  }
}
