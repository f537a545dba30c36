import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a running daemon publishes in `stateDir/daemon.json` for other processes to find it. */
export interface DaemonInfo {
  pid: number;
  port: number;
  motoPid: number;
  motoPort: number;
  accountId: string;
  region: string;
  iam: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  startedAt: string;
  /** Write-ahead journal records replayed into moto when this daemon started. */
  replayed: number;
  /** Opens the daemon's control routes other than health (stop, faults): sent as `x-nx-sst-control`. */
  controlToken: string;
}

/** What stays fixed for a state directory across daemon restarts (the workspace's account, region, port). */
export interface CloudSettings {
  port: number;
  accountId: string;
  region: string;
  iam: boolean;
}

export function statePaths(stateDir: string) {
  return {
    stateDir,
    daemon: path.join(stateDir, 'daemon.json'),
    lock: path.join(stateDir, 'daemon.lock'),
    settings: path.join(stateDir, 'cloud.json'),
    journal: path.join(stateDir, 'journal'),
    log: path.join(stateDir, 'daemon.log'),
    error: path.join(stateDir, 'daemon.error'),
  };
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Readers never see a half-written file: write aside, then rename over. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
