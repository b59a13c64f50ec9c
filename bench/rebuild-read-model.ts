import 'reflect-metadata';
import { createEventStore } from '@crm/event-store';
import { CustomerReadModelProjector, createReadModelDataSource } from '@crm/read-model';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { peakRssBytes } from './support/peak-rss';

/**
 * Projects a whole event store into a fresh read model with the read-model projector applied directly over
 * readAll batches of the store as the apps compose it (personal data opened with the keys, upcasters)
 * (what a rebuild does, without the bus), and prints a JSON report with this process's peak
 * RSS. The rebuild scenario runs it as a child process, so the memory figure is the projector's alone:
 *   node dist/bench/rebuild-read-model.js --store-dir ./data --data-dir /tmp/rm [--database-url postgres://...]
 * (--store-dir holds events.sqlite and keys.sqlite)
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'store-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      batch: { type: 'string', default: '1000' },
      /** SQLite read model only: page cache in MiB (SQLite's default is 2 MiB), to see what cache buys. */
      'sqlite-cache-mib': { type: 'string' },
      /** Print events/s and memory every this many batches (stderr). */
      'progress-every': { type: 'string' },
    },
  });
  if (!values['store-dir'] || !values['data-dir']) throw new Error('--store-dir and --data-dir are required');
  const batch = Number(values.batch);
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
  const projector = new CustomerReadModelProjector(dataSource);
  let readMs = 0;
  let applyMs = 0;
  let events = 0;
  let batches = 0;
  let peakHeapBytes = 0;
  const start = performance.now();
  try {
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
  } finally {
    await dataSource.destroy();
    await store.close();
  }
  const ms = performance.now() - start;
  process.stdout.write(
    `${JSON.stringify({
      events,
      batches,
      ms: Math.round(ms),
      eventsPerSecond: Math.round(events / (ms / 1000)),
      readMs: Math.round(readMs),
      applyMs: Math.round(applyMs),
      maxRssBytes: peakRssBytes(),
      peakHeapBytes,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
