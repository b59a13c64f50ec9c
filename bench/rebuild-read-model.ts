import 'reflect-metadata';
import { createEventStore } from '@crm/event-store';
import {
  CustomerReadModelProjector,
  CustomerReadModelRebuild,
  createReadModelDataSource,
  ProjectionRebuilder,
  type RebuildResult,
} from '@crm/read-model';
import type { EventStore } from '@crm/event-store';
import type { DataSource } from 'typeorm';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { peakRssBytes } from './support/peak-rss';

/**
 * Projects a whole event store (as the apps compose it: personal data opened with the keys, upcasters) into a
 * fresh read model and prints a JSON report with this process's peak RSS and CPU time. The rebuild scenario
 * runs it as a child process, so the memory figure is the projection's alone. Two modes:
 * - `rebuild` (default): what `crm replay read-model` runs, the ProjectionRebuilder over
 *   CustomerReadModelRebuild (lease, shadow tables, read-ahead, swap), batches of the rebuild's default size
 *   unless --batch is given;
 * - `apply`: the live projector's `apply` over readAll batches of --batch (1,000), a checkpoint per batch:
 *   the cost per event of the path Kafka or the in-process bus feeds.
 *   node dist/bench/rebuild-read-model.js --store-dir ./data --data-dir /tmp/rm [--database-url postgres://...]
 * (--store-dir holds events.sqlite and keys.sqlite)
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'store-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      mode: { type: 'string', default: 'rebuild' },
      batch: { type: 'string' },
      /** apply mode, SQLite read model only: page cache in MiB (SQLite's default is 2 MiB), to see what cache buys. */
      'sqlite-cache-mib': { type: 'string' },
      /** Print events/s and memory every this many batches (stderr). */
      'progress-every': { type: 'string' },
    },
  });
  if (!values['store-dir'] || !values['data-dir']) throw new Error('--store-dir and --data-dir are required');
  const mode = values.mode;
  if (mode !== 'rebuild' && mode !== 'apply') throw new Error('--mode is rebuild or apply');
  const progressEvery = Number(values['progress-every'] ?? 0);
  const store = createEventStore({ dataDir: values['store-dir'] });
  const dataSource = createReadModelDataSource({
    databaseUrl: values['database-url'],
    dataDir: values['data-dir'],
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  if (values['sqlite-cache-mib'] && !values['database-url'])
    await dataSource.query(`PRAGMA cache_size = -${Number(values['sqlite-cache-mib']) * 1024}`);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let report: Record<string, number>;
  try {
    report =
      mode === 'rebuild'
        ? await rebuild(store, dataSource, values.batch ? Number(values.batch) : undefined, progressEvery)
        : await applyInBatches(store, dataSource, Number(values.batch ?? 1000), progressEvery, start);
  } finally {
    await dataSource.destroy();
    await store.close();
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(
    `${JSON.stringify({
      ...report,
      ms: Math.round(ms),
      eventsPerSecond: Math.round(report.events / (ms / 1000)),
      // CPU of this process (the engine's too on SQLite; PostgreSQL works in its own processes)
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      cpuMicrosPerEvent: Number(((cpu.user + cpu.system) / report.events).toFixed(2)),
      maxRssBytes: peakRssBytes(),
    })}\n`,
  );
}

/** `crm replay read-model`: lease, fresh shadow, batches with read-ahead, swap, retire. */
async function rebuild(
  store: EventStore,
  dataSource: DataSource,
  batchSize: number | undefined,
  progressEvery: number,
): Promise<Record<string, number>> {
  const rebuilder = new ProjectionRebuilder(store, dataSource, { owner: 'bench', leaseTtlMs: 60_000 });
  let swapStarted = 0;
  let reports = 0;
  const result: RebuildResult = await rebuilder.rebuild(new CustomerReadModelRebuild(dataSource), {
    fromScratch: true,
    batchSize,
    onProgress: (p) => {
      if (p.phase === 'swapping' && swapStarted === 0) swapStarted = performance.now();
      if (progressEvery > 0 && ++reports % progressEvery === 0) {
        const { rss, heapUsed } = process.memoryUsage();
        process.stderr.write(
          `${p.eventsApplied} events, ${Math.round(p.eventsPerSecond)} events/s, rss ${rss >> 20} MiB, heap ${heapUsed >> 20} MiB\n`,
        );
      }
    },
  });
  return {
    events: result.eventsApplied,
    batchSize: batchSize ?? 0,
    swapMs: Math.round(performance.now() - swapStarted),
  };
}

/** The live projector's path: apply over readAll batches, a checkpoint per batch. */
async function applyInBatches(
  store: EventStore,
  dataSource: DataSource,
  batch: number,
  progressEvery: number,
  start: number,
): Promise<Record<string, number>> {
  const projector = new CustomerReadModelProjector(dataSource);
  let readMs = 0;
  let applyMs = 0;
  let events = 0;
  let batches = 0;
  let peakHeapBytes = 0;
  for (let after: bigint | undefined; ;) {
    const t0 = performance.now();
    const recorded = await store.readAll({ after, maxCount: batch, streamPrefix: 'customer-' });
    const t1 = performance.now();
    readMs += t1 - t0;
    if (recorded.length === 0) break;
    await projector.apply(recorded, { projection: 'bench-rebuild' });
    applyMs += performance.now() - t1;
    events += recorded.length;
    after = recorded[recorded.length - 1].globalPosition;
    if (++batches % 50 === 0) peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
    if (progressEvery > 0 && batches % progressEvery === 0) {
      const { rss, heapUsed } = process.memoryUsage();
      const seconds = (performance.now() - start) / 1000;
      process.stderr.write(
        `${events} events, ${Math.round(events / seconds)} events/s, rss ${rss >> 20} MiB, heap ${heapUsed >> 20} MiB\n`,
      );
    }
  }
  return {
    events,
    batches,
    batchSize: batch,
    readMs: Math.round(readMs),
    applyMs: Math.round(applyMs),
    peakHeapBytes,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
