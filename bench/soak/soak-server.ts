import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { embeddedEnv, stopChild, waitHealthy } from '../support/serve-child';

/**
 * The embedded deployment (`crm serve`: API + worker + SQLite store + chDB) as a child process on a loopback
 * port with a fresh DATA_DIR, so its memory is measured apart from the load generator's.
 */
export interface SoakServer {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly dataDir: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code, or the signal's name when a signal ended it. */
  stop(): Promise<number | string | null>;
}

export async function startSoakServer(port: number, keepDataDir: boolean): Promise<SoakServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-soak-'));
  const logFile = join(dataDir, 'serve.log');
  const main = resolve(__dirname, '../../apps/cli/src/main.js');
  const child = spawn(process.execPath, [main, 'serve'], {
    env: {
      ...embeddedEnv(),
      DATA_DIR: dataDir,
      PORT: String(port),
      // The development key gets the default per-key bucket (100/s); the soak's offered rate is fixed and
      // bounded by its own options, so the bucket is lifted rather than measured as 429s.
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(child, baseUrl, logFile, 90_000);
  const apiKey = readFileSync(join(dataDir, 'dev-api-key'), 'utf8').trim();
  return {
    baseUrl,
    apiKey,
    dataDir,
    pid: child.pid ?? -1,
    logFile,
    stop: async () => {
      const code = await stopChild(child, 30_000);
      log.end();
      if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
