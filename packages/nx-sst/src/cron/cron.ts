import * as fs from 'node:fs';
import {
  CloudFormationClient,
  DescribeStackResourceCommand,
  GetTemplateCommand,
  paginateListStacks,
} from '@aws-sdk/client-cloudformation';
import { startLocalCloud, type ScheduleRun } from '@nx-sst/local-cloud';
import { localCloudDir, LOCAL_STAGE } from '../core/cloud';
import { resolveAppContext, type CommandOptions } from '../core/context';
import { NxSstError } from '../core/errors';
import { deployRecordFile } from '../deploy/shortcut';

/** The template metadata key a Cron's rule carries its construct id in (constructs' `CRON_METADATA`). */
const CRON_METADATA = 'nx-sst:cron';

/** A Cron of the app as deployed: its rule. */
export interface DeployedCron {
  id: string;
  stackName: string;
  ruleName: string;
  ruleArn: string;
  schedule?: string;
  state?: string;
}

export interface CronRunResult {
  app: string;
  stage: string;
  cron: DeployedCron;
  run: ScheduleRun;
}

/** The stacks of the app on a stage: those of its last deploy and those named as its Stack names them. */
function appStackNames(appRoot: string, stage: string, appName: string, existing: string[]): string[] {
  const names = new Set(existing.filter((name) => name.startsWith(`${stage}-${appName}-`)));
  try {
    const record = JSON.parse(fs.readFileSync(deployRecordFile(appRoot, stage), 'utf8')) as {
      stacks?: { name: string }[];
    };
    for (const stack of record.stacks ?? []) if (existing.includes(stack.name)) names.add(stack.name);
  } catch {
    // No record (never deployed, or a deploy under way): the names alone.
  }
  return [...names].sort();
}

/** The Crons of the app's stacks deployed on the local cloud, found through CloudFormation. */
export async function deployedCrons(
  clientConfig: object,
  where: { appRoot: string; stage: string; appName: string; accountId: string; region: string },
): Promise<DeployedCron[]> {
  const client = new CloudFormationClient(clientConfig);
  try {
    const existing: string[] = [];
    for await (const page of paginateListStacks({ client }, {})) {
      for (const s of page.StackSummaries ?? [])
        if (s.StackName && s.StackStatus !== 'DELETE_COMPLETE') existing.push(s.StackName);
    }
    const crons: DeployedCron[] = [];
    for (const stackName of appStackNames(where.appRoot, where.stage, where.appName, existing)) {
      const { TemplateBody } = await client.send(
        new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }),
      );
      const template = JSON.parse(TemplateBody ?? '{}') as {
        Resources?: Record<
          string,
          { Type?: string; Metadata?: Record<string, unknown>; Properties?: Record<string, unknown> }
        >;
      };
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        const id = resource.Metadata?.[CRON_METADATA];
        if (resource.Type !== 'AWS::Events::Rule' || typeof id !== 'string') continue;
        const { StackResourceDetail } = await client.send(
          new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: logicalId }),
        );
        const ruleName = StackResourceDetail?.PhysicalResourceId;
        if (!ruleName) continue;
        const schedule = resource.Properties?.ScheduleExpression;
        const state = resource.Properties?.State;
        crons.push({
          id,
          stackName,
          ruleName,
          // A Cron's rule is on the default bus.
          ruleArn: `arn:aws:events:${where.region}:${where.accountId}:rule/${ruleName}`,
          ...(typeof schedule === 'string' ? { schedule } : {}),
          ...(typeof state === 'string' ? { state } : {}),
        });
      }
    }
    return crons;
  } finally {
    client.destroy();
  }
}

/**
 * Runs a Cron's job now on the local cloud: finds its rule by the construct id through
 * CloudFormation, fires the rule's Scheduled Event (whatever its schedule and state) and waits for
 * each function target. A job that fails is in the result (`run.targets[].ok`), not thrown.
 */
export async function runCron(
  opts: CommandOptions & { id: string; say?: (line: string) => void },
): Promise<CronRunResult> {
  const ctx = await resolveAppContext(opts);
  const app = ctx.config.name;
  if (ctx.stage !== LOCAL_STAGE) {
    throw new NxSstError(
      `nx-sst cron run runs a job on the local cloud only; the stage is "${ctx.stage}".`,
      `Use --stage local, or on AWS invoke the job's function (aws lambda invoke).`,
    );
  }
  const cloud = await startLocalCloud({ stateDir: localCloudDir(ctx.workspaceRoot) });
  const crons = await deployedCrons(cloud.clientConfig, {
    appRoot: ctx.infraApp.root,
    stage: ctx.stage,
    appName: app,
    accountId: cloud.accountId,
    region: cloud.region,
  });
  const matching = crons.filter((c) => c.id === opts.id);
  if (matching.length === 0) {
    const ids = [...new Set(crons.map((c) => c.id))].sort();
    throw new NxSstError(
      `No Cron "${opts.id}" in ${app} on the stage "${ctx.stage}". ${ids.length ? `Its Crons: ${ids.join(', ')}.` : 'It has no Cron.'}`,
      ids.length
        ? `Give the id as written in the stacks: new Cron(stack, "${ids[0]}", …).`
        : `Deploy the app first (nx-sst deploy --stage ${ctx.stage}), with a Cron in its stacks.`,
    );
  }
  if (matching.length > 1) {
    throw new NxSstError(
      `${matching.length} Crons are called "${opts.id}" in ${app} (stacks ${matching.map((c) => c.stackName).join(', ')}).`,
      'Give them distinct ids.',
    );
  }
  const cron = matching[0];
  opts.say?.(
    `Running Cron "${cron.id}" (rule ${cron.ruleName}${cron.schedule ? `, ${cron.schedule}` : ''}${cron.state === 'DISABLED' ? ', disabled' : ''}) on the stage "${ctx.stage}"…\n`,
  );
  const run = await cloud.runSchedule(cron.ruleArn);
  if (!run) {
    throw new NxSstError(
      `The rule ${cron.ruleName} of Cron "${cron.id}" is in its stack but not on the local cloud.`,
      `Deploy again: nx-sst deploy --stage ${ctx.stage}`,
    );
  }
  return { app, stage: ctx.stage, cron, run };
}
