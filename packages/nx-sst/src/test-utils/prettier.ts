import { execFileSync } from 'node:child_process';

/**
 * The repository's Prettier 3 over `text`, run in a Node process of its own (Prettier loads parts of
 * itself with `import()`, which Jest's module sandbox refuses): what `nx format` or Nx's `formatFiles`
 * make of a file.
 */
export function prettierFormat(
  text: string,
  options: Record<string, unknown> & { filepath: string },
): string {
  const script =
    "let s='';process.stdin.on('data',(d)=>(s+=d)).on('end',async()=>" +
    "process.stdout.write(await require('prettier').format(s, JSON.parse(process.argv[1]))));";
  return execFileSync(process.execPath, ['-e', script, JSON.stringify(options)], {
    input: text,
    encoding: 'utf-8',
    cwd: __dirname,
  });
}
