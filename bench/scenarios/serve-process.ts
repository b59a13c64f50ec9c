import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `crm serve` as users run it, in a child process on loopback, for the scenarios that measure it whole. */
export interface ServeProcess {
  readonly baseUrl: string;
  /** The development key (every scope) the server wrote to DATA_DIR. */
  readonly apiKey: string;
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<number | string | null>;
}

export type ServeWorkerMode = 'process' | 'inline';

/** The caller's environment without the settings that would swap an embedded adapter for a server. */
function embeddedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['EVENTSTORE_URL', 'KAFKA_BROKERS', 'DATABASE_URL', 'CLICKHOUSE_URL', 'API_KEYS']) {
    delete env[name];
  }
  return env;
}

export async function startServe(
  dataDir: string,
  port: number,
  worker: ServeWorkerMode,
  extraEnv: Record<string, string> = {},
): Promise<ServeProcess> {
  const logFile = join(dataDir, `serve-${Date.now()}.log`);
  const main = resolve(__dirname, '../../apps/cli/src/main.js');
  const child = spawn(process.execPath, [main, 'serve', '--worker', worker], {
    env: {
      ...embeddedEnv(),
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The offered load is fixed by the bench; the development key's default bucket (100/s) would turn it
      // into 429s.
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitReady(child, baseUrl, logFile);
  const apiKey = readFileSync(join(dataDir, 'dev-api-key'), 'utf8').trim();
  return {
    baseUrl,
    apiKey,
    pid: child.pid ?? -1,
    logFile,
    stop: async () => {
      const code = await stopChild(child);
      log.end();
      return code;
    },
  };
}

/**
 * Ready (200) and, with a worker process, the worker running (no `worker` in the answer). A pipeline stage
 * behind (degraded) is not waited for: the c360 scenario starts with an analytics projection it never fills.
 */
async function waitReady(child: ChildProcess, baseUrl: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`crm serve exited with ${child.exitCode}; see ${logFile}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok && !('worker' in ((await response.json()) as object))) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`crm serve not ready after 180 s; see ${logFile}`);
}

function stopChild(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((resolveExit) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolveExit(code ?? signal);
    });
    child.kill('SIGTERM');
  });
}

/** Waits until every stage of /v1/admin/pipeline has caught up with the store's head. */
export async function waitCaughtUp(serve: ServeProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${serve.baseUrl}/v1/admin/pipeline`, {
      headers: { authorization: `Bearer ${serve.apiKey}` },
    });
    const body = (await response.json()) as { stages: { lagEvents: number; position: string | null }[] };
    if (body.stages.every((s) => s.lagEvents === 0)) return;
    if (Date.now() > deadline)
      throw new Error(`the pipeline did not catch up within ${timeoutMs} ms: ${JSON.stringify(body.stages)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
