import type { StackOutcome } from './deploy';

/**
 * Outputs CDK adds by itself for references between stacks (`ExportsOutputRef…`, `ExportsOutputFnGetAtt…`).
 * They are not the user's: SST v2 left them out of its summary too.
 */
const CDK_EXPORT_OUTPUT = /^ExportsOutput/;

/**
 * The summary printed after `deploy` and `remove`: each stack with its status, then its outputs
 * (`stack.addOutputs`) sorted by name.
 */
export function formatStacks(title: string, result: { stacks: StackOutcome[]; durationMs: number }): string {
  const lines = [`\n✔ ${title} in ${(result.durationMs / 1000).toFixed(1)} s`];
  for (const s of result.stacks) {
    lines.push(`  ${s.name}  ${s.status === 'skipped' ? 'unchanged (skipped)' : s.status}`);
    for (const [k, v] of Object.entries(s.outputs).sort(([a], [b]) => a.localeCompare(b))) {
      if (!CDK_EXPORT_OUTPUT.test(k)) lines.push(`    ${k}: ${v}`);
    }
  }
  return lines.join('\n') + '\n';
}
