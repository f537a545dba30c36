import { dirname, join } from 'node:path';
import { directive, type DocBlock } from './blocks';
import { checkCommand, checkExecutorOptions, checkNxSstCli, shellCommands } from './commands';
import { typecheckSamples } from './typecheck';

/** The page whose samples the quick start e2e runs (their `<!-- e2e: … -->` markers). */
export const E2E_PAGE = 'docs/getting-started.md';

const SHELL = new Set(['sh', 'bash', 'shell']);
const TYPESCRIPT = new Set(['ts', 'tsx']);

/**
 * What the samples may read without binding anything in their own text: the resources the docs'
 * examples bind to the code they show, declared by the real generator of `sst-env.d.ts`
 * (nx-sst's `renderProjectTypes`), as `nx run infra:types` writes it for a project.
 */
const DOCS_BINDINGS: { type: string; id: string; clientPackage: string; props: string[] }[] = [
  { type: 'Bucket', id: 'public', clientPackage: 'bucket', props: ['bucketName'] },
  { type: 'Bucket', id: 'uploads', clientPackage: 'bucket', props: ['bucketName'] },
  { type: 'Table', id: 'notes', clientPackage: 'table', props: ['tableName'] },
  { type: 'Queue', id: 'jobs', clientPackage: 'queue', props: ['queueUrl'] },
  { type: 'Secret', id: 'STRIPE_KEY', clientPackage: 'config', props: ['value'] },
  { type: 'Parameter', id: 'VERSION', clientPackage: 'config', props: ['value'] },
];

export function docsSstEnv(): string {
  const nxSstRoot = dirname(require.resolve('nx-sst/package.json'));
  const { renderProjectTypes } = require(join(nxSstRoot, 'dist/types/types.js'));
  const model = {
    app: 'docs',
    stage: 'docs',
    ssmPrefix: '/sst/docs/docs/',
    resources: DOCS_BINDINGS.map((r) => ({ ...r, stack: 'Default' })),
    targets: [
      {
        id: 'docs',
        kind: 'function',
        project: { name: 'docs', root: 'docs' },
        bindings: DOCS_BINDINGS.map(({ type, id }) => ({ type, id })),
        stack: 'Default',
      },
    ],
  };
  return renderProjectTypes(model, 'docs');
}

export interface Problem {
  file: string;
  line: number;
  message: string;
}

const at = (block: DocBlock, message: string, line = block.line): Problem => ({
  file: block.file,
  line,
  message,
});

/**
 * Checks every block of the docs: TypeScript compiles (in one program), shell commands of our tools
 * parse, JSON parses and names real options. Returns the problems, each at its Markdown line.
 */
export async function checkBlocks(blocks: DocBlock[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  const typescript: DocBlock[] = [];
  const extraFiles: Record<string, string> = { 'sst-env.d.ts': docsSstEnv() };

  for (const block of blocks) {
    if (block.e2e !== undefined) {
      if (block.file !== E2E_PAGE)
        problems.push(
          at(block, `an e2e marker outside ${E2E_PAGE}: no suite runs it; use a docs-test marker`),
        );
      continue; // run by the quick start e2e (e2e/src/harness/docs.spec.ts checks that each is used)
    }
    if (directive(block, 'skip')) continue;
    const tsOnly = block.directives.find((d) => ['module', 'declare', 'stub', 'run'].includes(d.kind));
    if (tsOnly && !TYPESCRIPT.has(block.lang))
      problems.push(at(block, `"${tsOnly.kind}" applies to ts blocks only, this one is "${block.lang}"`));
    if (directive(block, 'synopsis') && block.lang !== 'text')
      problems.push(at(block, '"synopsis" applies to text blocks only'));

    if (TYPESCRIPT.has(block.lang)) typescript.push(block);
    else if (SHELL.has(block.lang)) problems.push(...(await checkShell(block)));
    else if (block.lang === 'json') problems.push(...(await checkJson(block, typescript)));
    else if (block.lang === 'text') {
      if (directive(block, 'synopsis')) problems.push(...(await checkSynopsis(block)));
    } else
      problems.push(
        at(
          block,
          `a block without a checked language ("${block.lang}"): use ts, tsx, sh, bash, json or text (text is not checked)`,
        ),
      );
  }
  for (const d of typecheckSamples(typescript, extraFiles)) problems.push(at(d.block, d.message, d.line));
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

async function checkShell(block: DocBlock): Promise<Problem[]> {
  const problems: Problem[] = [];
  // Line by line, so a problem is reported where it is (a `\` continuation joins lines).
  const lines = block.body.replace(/\\\n/g, ' \n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let words: string[][];
    try {
      words = shellCommands(lines[i].replace(/ \n$/, ''));
    } catch (error) {
      problems.push(at(block, (error as Error).message, block.line + 1 + i));
      continue;
    }
    for (const command of words) {
      try {
        await checkCommand(command);
      } catch (error) {
        problems.push(at(block, `${command.join(' ')}: ${(error as Error).message}`, block.line + 1 + i));
      }
    }
  }
  return problems;
}

/** `nx-sst …` usage lines: `[--flag value]` and `a|b` alternatives; each command and flag must exist. */
async function checkSynopsis(block: DocBlock): Promise<Problem[]> {
  const problems: Problem[] = [];
  const lines = block.body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const words = line.split(/\s+/);
    if (words[0] !== 'nx-sst') {
      problems.push(at(block, `a synopsis line that is not "nx-sst …"`, block.line + 1 + i));
      continue;
    }
    const command = words.slice(1, words.findIndex((w, j) => j > 0 && /^[[<-]/.test(w)) >>> 0);
    const flags = [...line.matchAll(/--([\w-]+)(?: ([\w.,/|-]+|…))?/g)].map(([, name, value]) => ({
      name,
      value,
    }));
    const variants = command.reduce<string[][]>(
      (acc, word) => acc.flatMap((prefix) => word.split('|').map((w) => [...prefix, w])),
      [[]],
    );
    for (const variant of variants) {
      const args = [...variant];
      for (const { name, value } of flags) {
        args.push(`--${name}`);
        if (value && !value.startsWith('-') && value !== '|')
          args.push(value === '…' ? 'x' : value.split('|')[0]);
      }
      if (variant[0] === 'bind') args.push('--', 'cmd');
      try {
        await checkNxSstCli(args);
      } catch (error) {
        problems.push(at(block, `${args.join(' ')}: ${(error as Error).message}`, block.line + 1 + i));
      }
    }
  }
  return problems;
}

async function checkJson(block: DocBlock, typescript: DocBlock[]): Promise<Problem[]> {
  let json: unknown;
  try {
    json = JSON.parse(block.body);
  } catch (error) {
    return [at(block, `invalid JSON: ${(error as Error).message}`)];
  }
  const problems: Problem[] = [];
  const value = json as {
    plugins?: (string | { plugin: string; options?: unknown })[];
    scripts?: Record<string, string>;
    targets?: Record<string, { executor?: string; options?: Record<string, unknown> }>;
  };
  // nx.json: the plugin's options are checked by the compiler against the exported options type.
  for (const entry of value.plugins ?? []) {
    if (typeof entry === 'object' && entry.plugin === 'nx-sst' && entry.options !== undefined) {
      // Compiled as this block (errors are reported at its fence); a literal, so unknown names fail.
      typescript.push({
        ...block,
        lang: 'ts',
        body: `import type { NxSstPluginOptions } from 'nx-sst';\nexport const options: NxSstPluginOptions = ${JSON.stringify(entry.options)};`,
        directives: [{ kind: 'declare', code: '// the nx-sst entry of nx.json plugins' }],
      });
    }
  }
  // package.json: scripts that run our CLI.
  for (const [name, script] of Object.entries(value.scripts ?? {})) {
    for (const command of shellCommands(script)) {
      try {
        await checkCommand(command);
      } catch (error) {
        problems.push(at(block, `script "${name}": ${(error as Error).message}`));
      }
    }
  }
  // project.json: targets of our executors.
  for (const [name, target] of Object.entries(value.targets ?? {})) {
    try {
      if (target.executor) await checkExecutorOptions(target.executor, target.options ?? {});
    } catch (error) {
      problems.push(at(block, `target "${name}": ${(error as Error).message}`));
    }
  }
  return problems;
}
