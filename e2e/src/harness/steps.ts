/**
 * Registers the tests of a user story that builds on itself: once a step fails, every later step fails
 * at once naming the step it waited for (instead of running against a half-made workspace, or
 * passing as skipped).
 */
export function storySteps(): (name: string, fn: () => Promise<void>, timeoutMs: number) => void {
  let failed: string | undefined;
  return (name, fn, timeoutMs) => {
    if (RESUME && Number.parseInt(name, 10) < RESUME.from) {
      test.skip(`${name} (resumed from step ${RESUME.from} in ${RESUME.workspace})`, () => undefined);
      return;
    }
    test(
      name,
      async () => {
        if (failed)
          throw new Error(`not run: it needs the step "${failed}", which failed (see its error above)`);
        try {
          await fn();
        } catch (error) {
          failed = name;
          throw error;
        }
      },
      timeoutMs,
    );
  };
}

/**
 * For someone working on a late step: NX_SST_E2E_WORKSPACE=<a workspace kept by NX_SST_E2E_KEEP=1>
 * and NX_SST_E2E_FROM=<n> run steps n… in that workspace; the earlier ones show as skipped.
 */
export const RESUME =
  process.env.NX_SST_E2E_WORKSPACE && process.env.NX_SST_E2E_FROM
    ? { workspace: process.env.NX_SST_E2E_WORKSPACE, from: Number(process.env.NX_SST_E2E_FROM) }
    : undefined;

/** Whether the full end-to-end suites run (they install Next.js and deploy; CI turns them on). */
export const E2E_ENABLED = process.env.NX_SST_E2E === '1';

/** `describe` when NX_SST_E2E=1, else a visibly skipped `describe` that says how to turn it on. */
export const describeE2e: jest.Describe = E2E_ENABLED ? describe : describe.skip;
