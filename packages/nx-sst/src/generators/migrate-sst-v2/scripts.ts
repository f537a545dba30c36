/** The SST v2 commands whose work an Nx target of the infra app does (`nx run <app>:deploy` …). */
export const REPLACED_BY_TARGETS: Record<string, string> = {
  deploy: 'nx run {app}:deploy',
  remove: 'nx run {app}:remove',
  diff: 'nx run {app}:diff',
  build: 'nx run {app}:deploy (synthesis is part of deploy; `nx run {app}:types` checks the stacks offline)',
  dev: 'nx run <project>:dev with the bindings (no Live Lambda), or nx-sst bind --target <id> -- …',
  start: 'nx run <project>:dev with the bindings (no Live Lambda), or nx-sst bind --target <id> -- …',
  secrets: 'nx run {app}:secrets, or nx-sst secrets …',
  types: 'nx run {app}:types',
  console: 'nothing: there is no SST Console; read the local cloud with the AWS CLI or SDK',
  telemetry: 'nothing',
  version: 'nothing',
  update: 'npm install of nx-sst, @nx-sst/constructs and @nx-sst/runtime',
  bootstrap: 'nx-sst deploy --bootstrap',
};

export type ScriptChange =
  | { kind: 'keep' }
  | { kind: 'rewrite'; value: string }
  | { kind: 'delete'; replacedBy: string[] }
  | { kind: 'refuse'; reason: string };

// Command segments are split at the shell's list operators; package.json scripts rarely hold more.
const SEPARATOR = /(\s*(?:&&|\|\||;)\s*)/;
// `NAME=value` prefixes, then an optional runner, then `sst <command>`.
const SST_COMMAND =
  /^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)(?:(?:npx|bunx)\s+|pnpm\s+(?:exec\s+)?|yarn\s+)?sst(?:\s+(\S+))?(.*)$/s;

/**
 * What becomes of one package.json script: `sst bind <cmd>` runs `<cmd>` (the plugin binds Nx targets,
 * `nx-sst bind --` is the form outside Nx), a script that only calls sst commands an Nx target
 * replaces is deleted (left in place, `"deploy": "sst deploy"` would shadow the inferred `deploy`
 * target), and one that mixes those with other commands is refused: only its author can split it.
 */
export function migrateScript(command: string): ScriptChange {
  const parts = command.trim().split(SEPARATOR);
  let changed = false;
  const replacedBy: string[] = [];
  let others = 0;
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const segment = parts[i];
    const match = SST_COMMAND.exec(segment);
    if (!match) {
      others++;
      out.push(segment, parts[i + 1] ?? '');
      continue;
    }
    const [, env, sub, rest] = match;
    if (sub === 'bind') {
      changed = true;
      const bound = rest.trim().replace(/^(?:--(?:script|site)\s+)+/, '');
      if (!bound) return { kind: 'refuse', reason: '`sst bind` without a command' };
      others++;
      out.push(`${env}${bound}`, parts[i + 1] ?? '');
      continue;
    }
    if (sub && REPLACED_BY_TARGETS[sub]) {
      changed = true;
      replacedBy.push(REPLACED_BY_TARGETS[sub]);
      continue;
    }
    return {
      kind: 'refuse',
      reason: `\`sst${sub ? ` ${sub}` : ''}\` has no nx-sst counterpart the codemod knows`,
    };
  }
  if (!changed) return { kind: 'keep' };
  if (replacedBy.length && others) {
    return {
      kind: 'refuse',
      reason: `it mixes sst commands with others: replace the sst part with ${replacedBy.join(', ')}`,
    };
  }
  if (replacedBy.length) return { kind: 'delete', replacedBy };
  return { kind: 'rewrite', value: out.join('').replace(/\s*(?:&&|\|\||;)\s*$/, '') };
}
