import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import { cpuProfArgs, embeddedEnv } from '../support/serve-child';
import { freePort, procCpuSeconds, reapedChildrenCpuSeconds, workerPartPid } from './serve-stats';

/** Issue 12: the CDNOW master through `crm import` until both projections have caught up, in all. */
const TARGET_TOTAL_SECONDS = 15;
/**
 * How often the pipeline is asked: often near the end (the figure's resolution), seldom while far behind, since
 * an answer reads up to 10,000 events per stage to count the lag (a profile showed 100 ms polls taking 40% of
 * crm serve's CPU while the projections were behind).
 */
const POLL_NEAR_MS = 100;
const POLL_FAR_MS = 1000;
const FAR_EVENTS = 2000;
/** A run that has not caught up by then is reported as failed, not waited for. */
const GIVE_UP_MS = 600_000;
/** Set to a directory: `crm serve` runs under `node --cpu-prof` and leaves its profile there. */
const PROFILE_DIR = process.env.CATCHUP_CPU_PROF_DIR;

interface Stage {
  readonly name: string;
  readonly position: string | null;
  readonly headPosition: string;
  readonly lagEvents: number;
}

type CatchupRun = {
  readonly events: number;
  /** From starting `crm import` to its exit (process start-up included, as a user waits for it). */
  readonly importMs: number;
  /** The importer's own figure (start-up excluded). */
  readonly importerMs: number;
  /** From the import's exit until the relay and both projections report the store's head. */
  readonly afterImportMs: number;
  readonly totalMs: number;
  /** When each stage reached the head, from the import's start. */
  readonly readModelMs: number;
  readonly analyticsMs: number;
  /** CPU seconds `crm serve` used from the import's start to the catch-up (user + system, every thread). */
  readonly serveCpuSeconds?: number;
  /**
   * Of those, the worker part's (the child process `crm serve` forks: relay, projectors, embedded engine). The
   * API process's alone is serveCpuSeconds - workerCpuSeconds.
   */
  readonly workerCpuSeconds?: number;
  /** CPU seconds of the `crm import` process (user + system). */
  readonly importCpuSeconds?: number;
  readonly loadAverage: number;
  /** Answers of GET /v1/admin/pipeline that timed out (503) and were asked again. */
  readonly statusTimeouts: number;
};

/**
 * What a new user sees: `crm serve` on a fresh DATA_DIR (booted before the clock starts), then `crm import` of
 * the CDNOW master (93,229 events) as the README runs it, in a process of its own writing to the same embedded
 * store, and the clock stops when GET /v1/admin/pipeline shows the relay, the read model and the analytics
 * projection at the store's head. Reports the import, the catch-up after it and the total, against 15 s.
 */
export function catchupScenario(options: BenchOptions): Scenario {
  return {
    group: 'catchup',
    async run(): Promise<ScenarioResult[]> {
      const title = 'CDNOW master: crm import until both projections caught up, crm serve (embedded)';
      if (!existsSync(options.cdnowMaster)) {
        log(`catchup: skipped: no CDNOW master at ${options.cdnowMaster}`);
        return [
          {
            id: 'catchup-cdnow-total',
            title,
            unit: 's',
            samples: [],
            pending: `needs ${options.cdnowMaster}`,
          },
        ];
      }
      const details: CatchupRun[] = [];
      let failure: string | undefined;
      for (let i = 1; i <= options.runs && !failure; i++) {
        const measured = await catchupRun(options.cdnowMaster).catch((error: unknown) => {
          failure = error instanceof Error ? error.message : String(error);
          log(`catchup, run ${i} failed: ${failure}`);
        });
        if (!measured) break;
        details.push(measured);
        log(
          `catchup, run ${i}: ${measured.events} events imported in ${seconds(measured.importMs)} s ` +
            `(importer ${seconds(measured.importerMs)} s), caught up ${seconds(measured.afterImportMs)} s ` +
            `later: ${seconds(measured.totalMs)} s in all (target < ${TARGET_TOTAL_SECONDS} s; read model at ` +
            `${seconds(measured.readModelMs)} s, analytics at ${seconds(measured.analyticsMs)} s; ` +
            `CPU s: crm serve ${measured.serveCpuSeconds ?? '?'} (worker part ${measured.workerCpuSeconds ?? '?'}), crm import ${measured.importCpuSeconds ?? '?'}; ` +
            `load ${measured.loadAverage}; status answers timed out: ${measured.statusTimeouts})`,
        );
      }
      const notes = 'fresh DATA_DIR per run; crm serve booted first; clock from crm import start';
      const row = (id: string, what: string, pick: (r: CatchupRun) => number, target?: number) => ({
        id,
        title: `${title}: ${what}`,
        unit: 's',
        samples: details.map((d) => Number(seconds(pick(d)))),
        ...(target ? { target: { value: target, atLeast: false } } : {}),
        notes,
      });
      if (details.length === 0)
        return [
          { id: 'catchup-cdnow-total', title, unit: 's', samples: [], pending: `a working run (${failure})` },
        ];
      return [
        { ...row('catchup-cdnow-total', 'total', (r) => r.totalMs, TARGET_TOTAL_SECONDS), details },
        row('catchup-cdnow-import', 'import', (r) => r.importMs),
        row('catchup-cdnow-after-import', 'catch-up after the import', (r) => r.afterImportMs),
      ];
    },
  };
}

async function catchupRun(cdnowMaster: string): Promise<CatchupRun> {
  const crm = resolve(__dirname, '../../../bin/crm.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-catchup-'));
  // The embedded deployment whatever this shell exports, with the development key a new user starts with.
  const env = { ...embeddedEnv(), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serve = spawn(process.execPath, [...cpuProfArgs(PROFILE_DIR), crm, 'serve'], {
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const token = await bootedKey(serve, base, join(dataDir, 'dev-api-key'));
    const workerPid = workerPartPid(dataDir);
    const cpuBefore = procCpuSeconds(serve.pid);
    const workerCpuBefore = procCpuSeconds(workerPid);
    // Across `crm import`, the reaped children's CPU is the importer's own (crm serve is still running).
    const childrenBefore = reapedChildrenCpuSeconds();
    const started = performance.now();
    const imported = runImport(crm, cdnowMaster, env);
    let importEnd: number | undefined;
    let importer: { appended: number; elapsedMs: number } | undefined;
    let importFailure: unknown;
    let importCpu: number | undefined;
    void imported.then(
      (summary) => {
        importEnd = performance.now();
        importer = summary;
        const childrenAfter = reapedChildrenCpuSeconds();
        if (childrenBefore !== undefined && childrenAfter !== undefined)
          importCpu = Number((childrenAfter - childrenBefore).toFixed(1));
      },
      (error: unknown) => (importFailure = error ?? new Error('crm import failed')),
    );
    const reached: Record<string, number> = {};
    let statusTimeouts = 0;
    for (;;) {
      if (serve.exitCode !== null) throw new Error('crm serve exited during the run');
      if (importFailure !== undefined) throw importFailure;
      const stages = await pipeline(base, token).catch((error: unknown) => {
        // The status answer timing out (503) is not the catch-up failing: counted, reported, asked again.
        if (!(error instanceof StatusTimeoutError)) throw error;
        statusTimeouts += 1;
        log(`catchup: ${error.message}; asking again`);
        return undefined;
      });
      if (!stages) {
        if (performance.now() - started > GIVE_UP_MS) throw new Error(`not caught up after ${GIVE_UP_MS} ms`);
        continue;
      }
      const now = performance.now();
      for (const stage of stages)
        if (
          importer &&
          stage.position === stage.headPosition &&
          BigInt(stage.headPosition) >= importer.appended
        )
          reached[stage.name] ??= now - started;
      if (
        importer &&
        importEnd !== undefined &&
        ['relay', 'customer-read-model', 'analytics'].every((s) => s in reached)
      ) {
        const cpuAfter = procCpuSeconds(serve.pid);
        const workerCpuAfter = procCpuSeconds(workerPid);
        const workerCpu =
          workerCpuBefore !== undefined && workerCpuAfter !== undefined
            ? workerCpuAfter - workerCpuBefore
            : undefined;
        return {
          events: importer.appended,
          importMs: importEnd - started,
          importerMs: importer.elapsedMs,
          afterImportMs: now - importEnd,
          totalMs: now - started,
          readModelMs: reached['customer-read-model'],
          analyticsMs: reached.analytics,
          ...(cpuBefore !== undefined && cpuAfter !== undefined
            ? { serveCpuSeconds: Number((cpuAfter - cpuBefore + (workerCpu ?? 0)).toFixed(1)) }
            : {}),
          ...(workerCpu !== undefined ? { workerCpuSeconds: Number(workerCpu.toFixed(1)) } : {}),
          ...(importCpu !== undefined ? { importCpuSeconds: importCpu } : {}),
          statusTimeouts,
          loadAverage: Number(loadAverage().toFixed(1)),
        };
      }
      if (now - started > GIVE_UP_MS) throw new Error(`not caught up after ${GIVE_UP_MS} ms`);
      const far = stages.some((stage) => stage.lagEvents >= FAR_EVENTS);
      await sleep(far ? POLL_FAR_MS : POLL_NEAR_MS);
    }
  } finally {
    const exited = new Promise((done) => serve.once('exit', done));
    if (serve.exitCode === null) serve.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `crm import <master> --json --quiet` as the README runs it; its JSON summary. */
function runImport(
  crm: string,
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ appended: number; elapsedMs: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [crm, 'import', file, '--json', '--quiet'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return fail(new Error(`crm import exited with ${code}`));
      done(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { appended: number; elapsedMs: number });
    });
  });
}

/** Waits until crm serve answers, then reads the development key it minted at boot (as a user would). */
async function bootedKey(serve: ChildProcess, base: string, keyFile: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (serve.exitCode !== null) throw new Error('crm serve exited at start-up');
    const up = await fetch(`${base}/health`).then(
      () => true,
      () => false,
    );
    if (up && existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
    if (Date.now() > deadline) throw new Error('crm serve did not start in 120 s');
    await sleep(200);
  }
}

class StatusTimeoutError extends Error {}

async function pipeline(base: string, token: string): Promise<Stage[]> {
  const res = await fetch(`${base}/v1/admin/pipeline`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 503) throw new StatusTimeoutError(`GET /v1/admin/pipeline: 503 ${await res.text()}`);
  if (!res.ok) throw new Error(`GET /v1/admin/pipeline: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { stages: Stage[] }).stages;
}

function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const log = (line: string) => process.stderr.write(`  ${line}\n`);
