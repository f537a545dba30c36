import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`); override with NX_SST_E2E_CHROMIUM. */
export const CHROMIUM = process.env.NX_SST_E2E_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for a quiet, sandbox-free headless chromium on a CI container: no GPU, no QUIC, and none of
 * the background traffic (component updates, sync, first-run) that would reach for the internet.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts chromium with a fresh profile (its own --user-data-dir, removed on close). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set NX_SST_E2E_CHROMIUM`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'nx-sst-e2e-chromium-'));
  // playwright passes the profile directory as --user-data-dir itself (and refuses it in args).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
