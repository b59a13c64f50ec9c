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

/**
 * Targets of issue 11 through POST /v1/events (4 clients): at least 20,000 events/s with batches of 1,000
 * (issue 6's figure) and 12,000 with batches of 100; other batch sizes have none.
 */
const TARGET_BY_BATCH: Readonly<Record<number, number>> = { 100: 12_000, 1000: 20_000 };

/**
 * HTTP ingest: the API as production builds it (createApiApp: validation, decider, SQLite store) on a fresh
 * temporary DATA_DIR, listening on 127.0.0.1 only, fed by a worker thread with `concurrency` requests in
 * flight. Throughput is accepted events / wall time from first request to last answer.
 */
export function httpIngestScenario(options: BenchOptions): Scenario {
  return {
    group: 'http',
    async run() {
      const results: ScenarioResult[] = [];
      for (const batchSize of options.httpBatches) {
        const details: Record<string, unknown>[] = [];
        for (let run = 1; run <= options.runs; run++) {
          const measured = await httpRun(options, batchSize);
          details.push(measured);
          log(
            `http batch ${batchSize}, run ${run}: ${Math.round(measured.eventsPerSecond)} events/s, ` +
              `${measured.cpuMicrosPerEvent} µs CPU/event (p50 ${measured.latencyMs.p50} ms/request, server event loop ${measured.serverEventLoopUtilization})`,
          );
          if (measured.firstError) log(`  first error: ${measured.firstError}`);
        }
        results.push({
          id: `http-ingest-batch-${batchSize}`,
          title: `HTTP ingest, ${batchSize} events/request, ${options.httpConcurrency} clients`,
          unit: 'events/s',
          samples: details.map((d) => d.eventsPerSecond as number),
          ...(TARGET_BY_BATCH[batchSize]
            ? { target: { value: TARGET_BY_BATCH[batchSize], atLeast: true } }
            : {}),
          notes:
            `up to ${options.httpEvents.toLocaleString('en')} events or ${options.httpSeconds} s per run; ` +
            'cpuMicrosPerEvent: CPU of the process (server and load thread) per accepted event',
          details,
        });
      }
      return results;
    },
  };
}

async function httpRun(options: BenchOptions, batchSize: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-http-'));
  let app: INestApplication | undefined;
  let worker: Worker | undefined;
  try {
    // A key of its own, with a limit the load never reaches: the bench measures ingest, not the limiter.
    const key = mintApiKey('bench', ['events:write'], { perSecond: 1_000_000, burst: 1_000_000 });
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      API_KEYS: JSON.stringify([key.entry]),
    });
    app = await createApiApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const request: HttpLoadRequest = {
      baseUrl: `http://127.0.0.1:${port}`,
      customers: Math.ceil(options.httpEvents / 9),
      seed: options.seed,
      batchSize,
      concurrency: options.httpConcurrency,
      maxEvents: options.httpEvents,
      timeLimitMs: options.httpSeconds * 1000,
      apiKey: key.token,
    };
    worker = new Worker(join(__dirname, 'http-load.worker.js'), { workerData: request });
    const messages = messagesOf(worker);
    await messages.next(); // ready: bodies prepared
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    worker.postMessage('go');
    const result = (await messages.next()) as HttpLoadResult;
    const loop = performance.eventLoopUtilization(elu);
    const used = process.cpuUsage(cpu);
    return {
      ...result,
      eventsPerSecond: result.accepted / (result.ms / 1000),
      ms: Math.round(result.ms),
      serverEventLoopUtilization: Number(loop.utilization.toFixed(2)),
      processCpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(1)),
      cpuMicrosPerEvent: Math.round((used.user + used.system) / Math.max(1, result.accepted)),
    };
  } finally {
    await worker?.terminate();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
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
