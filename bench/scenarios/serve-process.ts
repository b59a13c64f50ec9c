import { readWorkerPartState } from '@crm/projections';
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuProfArgs, embeddedEnv, stopChild, waitHealthy } from '../support/serve-child';

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

/** Set to a directory: `crm serve` runs under `node --cpu-prof` and leaves its profiles there (cpuProfArgs). */
const PROFILE_DIR = process.env.SERVE_CPU_PROF_DIR;

export async function startServe(
  dataDir: string,
  port: number,
  worker: ServeWorkerMode,
  extraEnv: Record<string, string> = {},
  /** Runs `crm serve` under `node --cpu-prof`, its profiles left here (default: SERVE_CPU_PROF_DIR). */
  profileDir: string | undefined = PROFILE_DIR,
): Promise<ServeProcess> {
  const logFile = join(dataDir, `serve-${Date.now()}.log`);
  const main = resolve(__dirname, '../../apps/cli/src/main.js');
  const child = spawn(process.execPath, [...cpuProfArgs(profileDir), main, 'serve', '--worker', worker], {
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
  // Ready (200) and, with a worker process, the worker running (no `worker` in the answer). A pipeline stage
  // behind (degraded) is not waited for: the c360 scenario starts with an analytics projection it never fills.
  await waitHealthy(child, baseUrl, logFile, 180_000, (body) => !('worker' in body));
  const apiKey = readFileSync(join(dataDir, 'dev-api-key'), 'utf8').trim();
  return {
    baseUrl,
    apiKey,
    pid: child.pid ?? -1,
    logFile,
    stop: async () => {
      const code = await stopChild(child, 60_000);
      log.end();
      return code;
    },
  };
}

/**
 * The pids of `crm serve`'s API processes: its own with one; with `apiProcesses` > 1 (API_PROCESSES), those its
 * state file lists once all of them are up.
 */
export async function apiProcessPids(
  dataDir: string,
  serve: ServeProcess,
  apiProcesses: number,
): Promise<number[]> {
  if (apiProcesses === 1) return [serve.pid];
  const deadline = Date.now() + 120_000;
  while (readWorkerPartState(dataDir)?.api?.up !== apiProcesses) {
    if (Date.now() > deadline)
      throw new Error(`crm serve: ${apiProcesses} API processes not up; see ${serve.logFile}`);
    await sleep(250);
  }
  return Object.values(readWorkerPartState(dataDir)?.api?.pids ?? {});
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
