export {
  startLocalCloud,
  joinRunningLocalCloud,
  startTestCloud,
  stopDaemon,
  localCloudStatus,
  resetLocalCloud,
  recoverJournal,
  type LocalCloud,
  type StartLocalCloudOptions,
} from './local-cloud';
export type { Faults } from './faults';
export type { ScheduleRun, TargetRun } from './daemon/lambda/schedules';
export {
  ensureBootstrapped,
  withCloudEnv,
  BOOTSTRAP_VERSION_PARAMETER,
  type EnsureBootstrappedOptions,
} from './bootstrap';
