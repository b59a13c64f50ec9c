import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
  await waitHealthy(child, baseUrl, logFile);
  const apiKey = readFileSync(join(dataDir, 'dev-api-key'), 'utf8').trim();
  return {
    baseUrl,
    apiKey,
    dataDir,
    pid: child.pid ?? -1,
    logFile,
    stop: async () => {
      const code = await stopChild(child);
      log.end();
      if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** The caller's environment without the settings that would swap an embedded adapter for a server. */
function embeddedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['EVENTSTORE_URL', 'KAFKA_BROKERS', 'DATABASE_URL', 'CLICKHOUSE_URL', 'API_KEYS']) {
    delete env[name];
  }
  return env;
}

async function waitHealthy(child: ChildProcess, baseUrl: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`crm serve exited with ${child.exitCode}; see ${logFile}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`crm serve not healthy after 90 s; see ${logFile}`);
}

function stopChild(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((resolveExit) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolveExit(code ?? signal);
    });
    child.kill('SIGTERM');
  });
}
