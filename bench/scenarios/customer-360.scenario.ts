import { loadConfig } from '@crm/config';
import { SqliteEventStore } from '@crm/event-store/sqlite/sqlite.event-store';
import { EventStoreSink, generate } from '@crm/generator';
import { CustomerReadModelProjector, createReadModelDataSource } from '@crm/read-model';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { mintApiKey } from '../../apps/api/src/auth/api-key.hashing';
import { createApiApp } from '../../apps/api/src/bootstrap/create-api-app';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import type { C360LoadRequest, C360LoadResult } from './c360-load.worker';

/** Target of issue 6: Customer 360 p99 under 5 ms at 1,000 requests/s. */
const TARGET_P99_MS = 5;
const WARMUP_SECONDS = 2;

/**
 * Customer 360 latency: the API as production builds it (embedded: SQLite read model), its read model filled
 * with a generated population (store, then the projector over it), answering GET /v1/customers/{id} for
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

/** The store gets the generated history, the read model its projection (as after a catch-up). */
async function populate(dataDir: string, customers: number, seed: number): Promise<void> {
  const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  const dataSource = createReadModelDataSource({ dataDir });
  try {
    await generate({ customers, seed }, new EventStoreSink(store));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
    const projector = new CustomerReadModelProjector(dataSource);
    for (let after: bigint | undefined; ;) {
      const batch = await store.readAll({ after, maxCount: 2000, streamPrefix: 'customer-' });
      if (batch.length === 0) break;
      await projector.apply(batch, { projection: 'customer-read-model' });
      after = batch[batch.length - 1].globalPosition;
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await store.close();
  }
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
