import { loadConfig } from '@crm/config';
import type { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { mintApiKey } from '@crm/http-api';
import { createApiApp } from '@crm/http-api';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import type { C360LoadRequest, C360LoadResult } from './c360-load.worker';

/** Target of issue 6: Customer 360 p99 under 5 ms at 1,000 requests/s. */
const TARGET_P99_MS = 5;
const WARMUP_SECONDS = 2;
const SETTLE_MS = 3000;

/**
 * Customer 360 latency: the API as production builds it (embedded: SQLite read model), its read model filled
 * with a generated population (store, then the projector over it), settled for 3 s after start, answering GET /v1/customers/{id} for
 * random customers at a fixed offered rate from an open-loop client in a worker thread.
 */
export function customer360Scenario(options: BenchOptions): Scenario {
  return {
    group: 'c360',
    async run(): Promise<ScenarioResult[]> {
      const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-c360-'));
      try {
        const customers = options.c360Customers;
        log(`c360: filling the read model with ${customers.toLocaleString('en')} customers...`);
        await populate(dataDir, customers, options.seed);
        const details: Record<string, unknown>[] = [];
        for (let run = 1; run <= options.runs; run++) {
          const result = await loadRun(dataDir, options);
          details.push({ ...result });
          log(
            `c360 run ${run}: p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
              `max ${result.latencyMs.max} ms at ${result.achievedPerSecond} req/s ` +
              `(${JSON.stringify(result.statuses)}, server event loop ${result.serverEventLoopUtilization})` +
              `; slowest at ${result.slowestAt.map((s) => `${s.atSecond}s:${s.latencyMs}ms`).join(' ')}` +
              (result.firstError ? `; first error: ${result.firstError}` : ''),
          );
        }
        const latency = (q: 'p50' | 'p99') => details.map((d) => (d.latencyMs as Record<string, number>)[q]);
        const rate = options.c360Rate.toLocaleString('en');
        const notes = `${customers.toLocaleString('en')} customers, ${options.c360Seconds} s per run, open loop`;
        return [
          {
            id: 'customer-360-p50',
            title: `Customer 360 p50 at ${rate} req/s (embedded)`,
            unit: 'ms',
            samples: latency('p50'),
            notes,
            details,
          },
          {
            id: 'customer-360-p99',
            title: `Customer 360 p99 at ${rate} req/s (embedded)`,
            unit: 'ms',
            samples: latency('p99'),
            target: { value: TARGET_P99_MS, atLeast: false },
            notes,
          },
        ];
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

const run = promisify(execFile);

/**
 * The store gets the generated history (as `crm generate --append` writes it), the read model its projection
 * (as after a catch-up), both in child processes: the server's heap starts clean, so the garbage of filling
 * it cannot come back as a collection pause in the middle of a measurement.
 */
async function populate(dataDir: string, customers: number, seed: number): Promise<void> {
  const script = (name: string) => join(__dirname, '..', name);
  const generateArgs = [
    '--customers',
    String(customers),
    '--seed',
    String(seed),
    '--append',
    dataDir,
    '--quiet',
  ];
  await run(process.execPath, [script('generate-run.js'), ...generateArgs], { maxBuffer: 1 << 20 });
  const rebuildArgs = ['--store-dir', dataDir, '--data-dir', dataDir, '--batch', '2000'];
  await run(process.execPath, [script('rebuild-read-model.js'), ...rebuildArgs], { maxBuffer: 1 << 20 });
}

async function loadRun(dataDir: string, options: BenchOptions) {
  const key = mintApiKey('bench-c360', ['customers:read'], { perSecond: 1_000_000, burst: 1_000_000 });
  let app: INestApplication | undefined;
  let worker: Worker | undefined;
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      API_KEYS: JSON.stringify([key.entry]),
    });
    app = await createApiApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
    await sleep(SETTLE_MS); // a server answers long after its start-up work; that work is not the figure
    const { port } = app.getHttpServer().address() as AddressInfo;
    const job: C360LoadRequest = {
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: key.token,
      customers: options.c360Customers,
      customerIdPrefix: 'c-',
      rate: options.c360Rate,
      warmupSeconds: WARMUP_SECONDS,
      seconds: options.c360Seconds,
      seed: options.seed,
      connections: 64,
    };
    worker = new Worker(join(__dirname, 'c360-load.worker.js'), { workerData: job });
    const ready = new Promise((resolve, reject) => {
      worker!.once('message', resolve);
      worker!.once('error', reject);
    });
    await ready;
    const result = new Promise<C360LoadResult>((resolve, reject) => {
      worker!.once('message', resolve);
      worker!.once('error', reject);
    });
    const elu = performance.eventLoopUtilization();
    worker.postMessage('go');
    const measured = await result;
    const loop = performance.eventLoopUtilization(elu);
    return { ...measured, serverEventLoopUtilization: Number(loop.utilization.toFixed(2)) };
  } finally {
    await worker?.terminate();
    await app?.close();
  }
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
