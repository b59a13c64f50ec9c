import 'reflect-metadata';
import {
  AnalyticsRebuild,
  ClickHouseMigrationsRunner,
  ClvSummaryQuery,
  createAnalyticsClient,
  DEFAULT_LOAD_SETTINGS,
  fitClvModel,
  fitClvModelOnSample,
  selectRows,
} from '@crm/analytics';
import { CohortsQuery, PredictiveLtvQuery, RfmQuery } from '@crm/analytics';
import { createEventStore } from '@crm/event-store';
import { createReadModelDataSource, ProjectionRebuilder } from '@crm/read-model';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { peakRssBytes } from './support/peak-rss';

/**
 * `crm replay analytics` without the CLI around it: the ProjectionRebuilder drives the AnalyticsRebuild
 * (shadow database, bulk inserts, derived rows in one pass, EXCHANGE TABLES) from a whole event store
 * opened as the apps compose it, into a fresh embedded ClickHouse; then times the analytical answers over
 * what it built (RFM segments, CLV summary and fit, cohorts) through the query classes the API uses.
 * Prints one JSON report with this process's peak RSS (the worker's memory in a rebuild: the embedded
 * engine runs inside it). The `analytics` scenario runs it as a child process:
 *   node dist/bench/rebuild-analytics.js --store-dir ./data --data-dir /tmp/ch [--query-runs 3]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'store-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      batch: { type: 'string' },
      /** The streaming path (every event decoded in JavaScript), as for EventStoreDB. */
      streaming: { type: 'boolean', default: false },
      /** A ClickHouse setting of the bulk statements, over DEFAULT_LOAD_SETTINGS (repeatable): name=value. */
      'load-setting': { type: 'string', multiple: true },
      /** Positions per bulk statement. */
      'load-chunk': { type: 'string' },
      /** Scans of the store per bulk statement (sub-ranges read at once). */
      'load-readers': { type: 'string' },
      'query-runs': { type: 'string', default: '3' },
      cutoff: { type: 'string', default: '2026-01-01' },
      currency: { type: 'string', default: 'EUR' },
      'progress-every-ms': { type: 'string', default: '10000' },
    },
  });
  if (!values['store-dir'] || !values['data-dir']) throw new Error('--store-dir and --data-dir are required');
  const store = createEventStore({ dataDir: values['store-dir'] });
  const leases = createReadModelDataSource({ dataDir: values['data-dir'] });
  await leases.initialize();
  await leases.runMigrations({ transaction: 'all' });
  const ch = createAnalyticsClient({ dataDir: values['data-dir'] });
  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(currentRssBytes()), 1000);
  try {
    await new ClickHouseMigrationsRunner(ch).run();
    const rebuilder = new ProjectionRebuilder(store, leases, { owner: 'bench', leaseTtlMs: 120_000 });
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    let swapStarted = 0;
    let buildCpu: NodeJS.CpuUsage | undefined;
    let lastProgress = 0;
    const every = Number(values['progress-every-ms']);
    const storeDir = values['store-dir'] as string;
    const sqliteStore = values.streaming
      ? undefined
      : { eventsFile: resolve(storeDir, 'events.sqlite'), keysFile: resolve(storeDir, 'keys.sqlite') };
    const loadSettings = {
      ...DEFAULT_LOAD_SETTINGS,
      ...Object.fromEntries((values['load-setting'] ?? []).map((pair) => pair.split('=', 2))),
    };
    const loadChunk = values['load-chunk'] ? Number(values['load-chunk']) : undefined;
    const loadReaders = values['load-readers'] ? Number(values['load-readers']) : undefined;
    const rebuild = new AnalyticsRebuild(ch, { sqliteStore, loadSettings, loadChunk, loadReaders });
    const result = await rebuilder.rebuild(rebuild, {
      fromScratch: true,
      ...(values.batch ? { batchSize: Number(values.batch) } : {}),
      onProgress: (progress) => {
        if (progress.phase === 'swapping' && swapStarted === 0) {
          swapStarted = performance.now();
          buildCpu = process.cpuUsage(cpuStarted);
        }
        if (performance.now() - lastProgress >= every) {
          lastProgress = performance.now();
          const { heapUsed, external } = process.memoryUsage();
          process.stderr.write(
            `  ${progress.eventsApplied} events, ${progress.phase}, rss ${currentRssBytes() >> 20} MiB ` +
              `(heap ${heapUsed >> 20} MiB, external ${external >> 20} MiB)\n`,
          );
        }
      },
    });
    const ms = performance.now() - started;
    const rebuildCpu = process.cpuUsage(cpuStarted);
    const rebuildPeakRssBytes = peakRssBytes();
    const counts = await selectRows<{ events: number; customers: number }>(
      ch.client,
      `SELECT (SELECT count() FROM ${ch.database}.events FINAL) AS events,
              (SELECT count() FROM ${ch.database}.customers FINAL) AS customers`,
    );

    const asOf = { cutoff: values.cutoff as string, currency: values.currency as string };
    const queries: Record<string, number[]> = {
      rfm: [],
      clvSummary: [],
      clvFit: [],
      clvSample: [],
      clvSampleFit: [],
      clvModel: [],
      cohorts: [],
    };
    let summaryRows = 0;
    for (let i = 0; i < Number(values['query-runs']); i++) {
      queries.rfm.push(await timed(() => new RfmQuery(ch).segments(asOf)));
      let summary: Awaited<ReturnType<ClvSummaryQuery['summary']>> = [];
      queries.clvSummary.push(
        await timed(async () => {
          summary = await new ClvSummaryQuery(ch).summary(asOf.cutoff, asOf.currency);
        }),
      );
      summaryRows = summary.length;
      queries.clvFit.push(await timed(async () => fitClvModel(summary, asOf)));
      // The same fit on the summary grouped in ClickHouse (customers counted per distinct history).
      let sample: Awaited<ReturnType<ClvSummaryQuery['fitSample']>> = { histories: [], spend: [] };
      queries.clvSample.push(
        await timed(async () => {
          sample = await new ClvSummaryQuery(ch).fitSample(asOf.cutoff, asOf.currency);
        }),
      );
      queries.clvSampleFit.push(await timed(async () => fitClvModelOnSample(sample, asOf)));
      // The API's whole answer: summary, fit, predictions for every customer written to clv_predictions.
      // A different discount rate per run: a model already stored for the same inputs would be read back.
      queries.clvModel.push(
        await timed(() => new PredictiveLtvQuery(ch).model({ ...asOf, annualDiscountRate: 0.1 + i / 1000 })),
      );
      queries.cohorts.push(await timed(() => new CohortsQuery(ch).matrix(asOf)));
    }
    process.stdout.write(
      `${JSON.stringify({
        events: result.eventsApplied,
        ms: Math.round(ms),
        eventsPerSecond: Math.round(result.eventsApplied / (ms / 1000)),
        buildMs: Math.round((swapStarted || performance.now()) - started),
        swapMs: swapStarted ? Math.round(started + ms - swapStarted) : 0,
        // CPU of this process (the embedded engine's threads included): comparable under contention.
        cpuMs: cpuMs(rebuildCpu),
        buildCpuMs: cpuMs(buildCpu ?? rebuildCpu),
        cpuMicrosPerEvent: Math.round((cpuMs(rebuildCpu) * 1000) / Math.max(1, result.eventsApplied)),
        clickhouseEvents: counts[0]?.events,
        clickhouseCustomers: counts[0]?.customers,
        clvSummaryRows: summaryRows,
        rebuildPeakRssBytes,
        rebuildMaxSampledRssBytes: Math.max(0, ...rssSamples),
        maxRssBytes: peakRssBytes(),
        queries,
      })}\n`,
    );
  } finally {
    clearInterval(sampler);
    await ch.close();
    await leases.destroy();
    await store.close();
  }
}

const cpuMs = (usage: NodeJS.CpuUsage): number => Math.round((usage.user + usage.system) / 1000);

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return Math.round((performance.now() - start) * 10) / 10;
}

function currentRssBytes(): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
