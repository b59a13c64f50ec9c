import { loadConfig } from '@crm/config';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { mintApiKey } from '@crm/http-api';
import { createApiApp } from '@crm/http-api';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import type { HttpLoadRequest, HttpLoadResult } from './http-load.worker';
import { apiProcessPids, startServe } from './serve-process';
import { freePort, procCpuSeconds, workerPartPid } from './serve-stats';

/**
 * Targets of issue 11 through POST /v1/events (4 clients): at least 20,000 events/s with batches of 1,000
 * (issue 6's figure) and 12,000 with batches of 100; other batch sizes have none.
 */
const TARGET_BY_BATCH: Readonly<Record<number, number>> = { 100: 12_000, 1000: 20_000 };

/**
 * HTTP ingest: the API as production builds it (createApiApp: validation, decider, SQLite store) on a fresh
 * temporary DATA_DIR, listening on 127.0.0.1 only, fed by a worker thread with `concurrency` requests in
 * flight. Throughput is accepted events / wall time from first request to last answer. With
 * `--http-api-processes`, the same load against the built `crm serve --api-processes n` instead.
 */
export function httpIngestScenario(options: BenchOptions): Scenario {
  return {
    group: 'http',
    async run() {
      const results: ScenarioResult[] = [];
      // No --http-api-processes: the API alone in this process. Else `crm serve --api-processes n` for each n.
      const targets: (number | undefined)[] =
        options.httpApiProcesses.length > 0 ? [...options.httpApiProcesses] : [undefined];
      for (const apiProcesses of targets) {
        for (const batchSize of options.httpBatches) {
          const details: Record<string, unknown>[] = [];
          for (let run = 1; run <= options.runs; run++) {
            const measured = await httpRun(options, batchSize, apiProcesses);
            details.push(measured);
            const where = apiProcesses === undefined ? '' : `, crm serve --api-processes ${apiProcesses}`;
            log(
              `http batch ${batchSize}${where}, run ${run}: ${Math.round(measured.eventsPerSecond)} events/s, ` +
                `${measured.cpuMicrosPerEvent} µs CPU/event (p50 ${measured.latencyMs.p50} ms/request, server event loop ${measured.serverEventLoopUtilization})`,
            );
            if (measured.serve) log(`  CPU per event by process: ${JSON.stringify(measured.serve)}`);
            if (measured.firstError) log(`  first error: ${measured.firstError}`);
          }
          const served = apiProcesses === undefined ? '' : `-serve-api${apiProcesses}`;
          results.push({
            id: `http-ingest${served}-batch-${batchSize}`,
            title:
              `HTTP ingest, ${batchSize} events/request, ${options.httpConcurrency} clients` +
              (apiProcesses === undefined ? '' : `, crm serve with ${apiProcesses} API process(es)`),
            unit: 'events/s',
            samples: details.map((d) => d.eventsPerSecond as number),
            ...(TARGET_BY_BATCH[batchSize]
              ? { target: { value: TARGET_BY_BATCH[batchSize], atLeast: true } }
              : {}),
            notes:
              `up to ${options.httpEvents.toLocaleString('en')} events or ${options.httpSeconds} s per run; ` +
              (apiProcesses === undefined
                ? 'cpuMicrosPerEvent: CPU of the process (server and load thread) per accepted event'
                : 'cpuMicrosPerEvent: CPU of crm serve (API processes, primary, worker part) per accepted event; ' +
                  'serve: the same by process; the load thread is this process'),
            details,
          });
        }
      }
      return results;
    },
  };
}

/** Where the load goes: its URL and key, and the CPU its processes have used so far. */
interface IngestTarget {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** CPU seconds so far by process role (`crm serve`), or undefined for the API in this process. */
  cpu(): Record<string, number> | undefined;
  stop(): Promise<void>;
}

async function httpRun(options: BenchOptions, batchSize: number, apiProcesses: number | undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-http-'));
  let target: IngestTarget | undefined;
  let worker: Worker | undefined;
  try {
    target =
      apiProcesses === undefined ? await apiInThisProcess(dataDir) : await serveTarget(dataDir, apiProcesses);
    const request: HttpLoadRequest = {
      baseUrl: target.baseUrl,
      customers: Math.ceil(options.httpEvents / 9),
      seed: options.seed,
      batchSize,
      concurrency: options.httpConcurrency,
      maxEvents: options.httpEvents,
      timeLimitMs: options.httpSeconds * 1000,
      apiKey: target.apiKey,
    };
    worker = new Worker(join(__dirname, 'http-load.worker.js'), { workerData: request });
    const messages = messagesOf(worker);
    await messages.next(); // ready: bodies prepared
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const serveCpu = target.cpu();
    worker.postMessage('go');
    const result = (await messages.next()) as HttpLoadResult;
    const loop = performance.eventLoopUtilization(elu);
    const used = process.cpuUsage(cpu);
    const perEvent = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, result.accepted));
    const serveAfter = target.cpu();
    const serve =
      serveCpu && serveAfter
        ? Object.fromEntries(
            Object.keys(serveAfter).map((k) => [k, perEvent(serveAfter[k] - (serveCpu[k] ?? 0))]),
          )
        : undefined;
    const ownMicros = used.user + used.system;
    const ownMicrosPerEvent = Math.round(ownMicros / Math.max(1, result.accepted));
    return {
      ...result,
      eventsPerSecond: result.accepted / (result.ms / 1000),
      ms: Math.round(result.ms),
      serverEventLoopUtilization: Number(loop.utilization.toFixed(2)),
      processCpuSeconds: Number((ownMicros / 1e6).toFixed(1)),
      cpuMicrosPerEvent: serve ? Object.values(serve).reduce((a, b) => a + b, 0) : ownMicrosPerEvent,
      ...(serve ? { serve, loadThreadCpuMicrosPerEvent: ownMicrosPerEvent } : {}),
    };
  } finally {
    await worker?.terminate();
    await target?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The API as production builds it (createApiApp), in this process, without relay or projectors. */
async function apiInThisProcess(dataDir: string): Promise<IngestTarget> {
  // A key of its own, with a limit the load never reaches: the bench measures ingest, not the limiter.
  const key = mintApiKey('bench', ['events:write'], { perSecond: 1_000_000, burst: 1_000_000 });
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    API_KEYS: JSON.stringify([key.entry]),
  });
  const app: INestApplication = await createApiApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: key.token,
    cpu: () => undefined,
    stop: () => app.close(),
  };
}

/**
 * The built `crm serve --api-processes n` (API_PROCESSES) in a child process, its worker part projecting what
 * is ingested; CPU read from /proc for its API processes, its primary and its worker part.
 */
async function serveTarget(dataDir: string, apiProcesses: number): Promise<IngestTarget> {
  const serve = await startServe(dataDir, await freePort(), 'process', {
    API_PROCESSES: String(apiProcesses),
  });
  const apiPids = await apiProcessPids(dataDir, serve, apiProcesses);
  const workerPid = workerPartPid(dataDir);
  return {
    baseUrl: serve.baseUrl,
    apiKey: serve.apiKey,
    cpu: () => ({
      api: apiPids.reduce((sum, pid) => sum + (procCpuSeconds(pid) ?? 0), 0),
      ...(apiProcesses > 1 ? { primary: procCpuSeconds(serve.pid) ?? 0 } : {}),
      workerPart: procCpuSeconds(workerPid) ?? 0,
    }),
    stop: async () => {
      await serve.stop();
    },
  };
}

/** Messages of a worker, one at a time; rejects when the worker fails. */
function messagesOf(worker: Worker) {
  const queue: unknown[] = [];
  let waiting: { resolve: (m: unknown) => void; reject: (e: unknown) => void } | undefined;
  let failure: unknown;
  worker.on('message', (message: unknown) => {
    if (waiting) {
      waiting.resolve(message);
      waiting = undefined;
    } else queue.push(message);
  });
  worker.on('error', (error) => {
    failure = error;
    waiting?.reject(error);
  });
  return {
    next(): Promise<unknown> {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
  };
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
