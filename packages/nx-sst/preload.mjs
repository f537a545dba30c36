// Loaded by Node before a task's own code (NODE_OPTIONS=--import, set by the nx-sst plugin for the
// tasks of one Nx run). A process that is no bound task returns here, having loaded nothing else.
if (
  process.env.NX_SST_BOUND ||
  process.env.NX_SST_BOUND_TASKS?.includes(`"${process.env.NX_TASK_TARGET_PROJECT}"`)
) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  await require('./dist/preload/bind-task.js').bindTaskProcess();
}
