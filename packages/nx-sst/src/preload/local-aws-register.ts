// What `--require` loads into a process bound to the `local` stage (see local-aws.ts). nx-sst's own
// CLI is skipped: it knows the stage it talks to, which may be another than its parent's.
import * as path from 'node:path';

const endpoint = process.env.NX_SST_LOCAL_CLOUD;
const script = process.argv[1] ?? '';
const isCli = path.basename(script) === 'nx-sst' || /[\\/]nx-sst[\\/]dist[\\/]cli[\\/]main\.js$/.test(script);
if (endpoint && !isCli) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: nx-sst's own CLI, started in a bound process, skips the hook and its load (~3 ms)
  (require('./local-aws') as typeof import('./local-aws')).installLocalAws(endpoint);
}
