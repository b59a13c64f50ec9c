import {
  AnalyticsProjector,
  ClickHouseMigrationsRunner,
  createAnalyticsClient,
  runStatement,
} from '@crm/analytics';
import { RecordedHistoryBuilder } from '@crm/analytics/testing';
import type { RecordedEvent } from '@crm/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';

/** Issue 12, item 1: a live batch costs the same on a store with ten times the history. */
const TARGET_GROWTH = 1.5;

const CUSTOMERS = 2_000;
const BATCH_CUSTOMERS = 200;
const EVENTS_PER_CUSTOMER_IN_BATCH = 5;
const MEASURED_BATCHES = 10;
/** Customers generated at once (the first slice's take the measured batches). */
const SLICE = BATCH_CUSTOMERS;

export interface FoldCost {
  readonly historyEvents: number;
  /** Process CPU (the embedded engine runs in it) per live batch, median, ms. */
  readonly cpuMsPerBatch: number;
  readonly wallMsPerBatch: number;
  readonly batchEvents: number;
}

const day = (n: number) => new Date(Date.UTC(2019, 0, 1) + n * 86_400_000).toISOString();
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/**
 * The live projector on an embedded store of CUSTOMERS customers with `perCustomer` past events each
 * (loaded in bulk and derived, as a rebuild leaves a store), then MEASURED_BATCHES batches of the same shape (BATCH_CUSTOMERS
 * customers, EVENTS_PER_CUSTOMER_IN_BATCH new events each: purchases on a new day and a contact), each
 * timed by the process's CPU. Merges are finished first (OPTIMIZE FINAL), so both stores have one part.
 */
export async function measureFoldCost(perCustomer: number): Promise<FoldCost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-fold-'));
  const ch = createAnalyticsClient({ dataDir, database: 'fold' });
  try {
    await new ClickHouseMigrationsRunner(ch).run();
    const projector = new AnalyticsProjector(ch);
    // The history in bulk, as a rebuild leaves it (event rows, then the derive): built per slice of
    // customers, so that it never sits in memory whole. The measured batches go to the first slice's.
    let builder: RecordedHistoryBuilder | undefined;
    let historyEvents = 0;
    for (let first = 0; first < CUSTOMERS; first += SLICE) {
      const slice = new RecordedHistoryBuilder(`fold${perCustomer}-${first}`);
      for (let c = first; c < first + SLICE; c += 1) {
        slice.acquired(`c-${c}`, day(0), { channel: 'email', profile: { country: 'DE' } });
        for (let p = 1; p < perCustomer; p += 1) {
          slice.purchased(`c-${c}`, day(1 + ((p * 3 + c) % 2400)), { minor: 100 + p });
        }
      }
      const events = slice.events;
      for (let i = 0; i < events.length; i += 50_000)
        await projector.insertEventRows(events.slice(i, i + 50_000));
      historyEvents += events.length;
      builder ??= slice;
    }
    await projector.deriveAll();
    for (const table of ['events', 'customers', 'customer_daily', 'customer_revisions']) {
      await runStatement(ch.client, `OPTIMIZE TABLE ${ch.database}.${table} FINAL`).catch(() => undefined);
    }
    if (!builder) throw new Error('no customers');
    const batches: RecordedEvent[][] = [];
    for (let b = 0; b < MEASURED_BATCHES; b += 1) {
      const before = builder.events.length;
      for (let c = 0; c < BATCH_CUSTOMERS; c += 1) {
        const id = `c-${c}`;
        for (let e = 0; e < EVENTS_PER_CUSTOMER_IN_BATCH - 1; e += 1) {
          builder.purchased(id, `2026-06-${String(1 + b).padStart(2, '0')}T1${e}:00:00.000Z`, { minor: 500 });
        }
        builder.contacted(id, `2026-06-${String(1 + b).padStart(2, '0')}T20:00:00.000Z`);
      }
      batches.push(builder.events.slice(before));
    }
    const cpu: number[] = [];
    const wall: number[] = [];
    for (const batch of batches) {
      const started = process.cpuUsage();
      const at = performance.now();
      await projector.apply(batch);
      wall.push(performance.now() - at);
      const used = process.cpuUsage(started);
      cpu.push((used.user + used.system) / 1000);
    }
    return {
      historyEvents,
      cpuMsPerBatch: median(cpu),
      wallMsPerBatch: median(wall),
      batchEvents: batches[0].length,
    };
  } finally {
    await ch.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- --only analytics-fold`: the CPU of one live analytics batch on 1x and 10x history
 * (200,000 and 2,000,000 past events over the same 2,000 customers), and their ratio (the target: it stays
 * near 1, where re-aggregating whole histories grows with them).
 */
export function analyticsFoldScenario(options: BenchOptions): Scenario {
  return {
    group: 'analytics-fold',
    async run(): Promise<ScenarioResult[]> {
      const ratios: number[] = [];
      const details: Record<string, unknown>[] = [];
      for (let run = 1; run <= options.runs; run += 1) {
        const once = await measureFoldCost(100);
        const tenfold = await measureFoldCost(1_000);
        const ratio = tenfold.cpuMsPerBatch / once.cpuMsPerBatch;
        ratios.push(Number(ratio.toFixed(2)));
        details.push({ once, tenfold });
        process.stderr.write(
          `analytics-fold run ${run}: batch of ${once.batchEvents} events: ` +
            `${once.cpuMsPerBatch.toFixed(0)} ms CPU on ${once.historyEvents} past events, ` +
            `${tenfold.cpuMsPerBatch.toFixed(0)} ms on ${tenfold.historyEvents} (x${ratio.toFixed(2)})\n`,
        );
      }
      return [
        {
          id: 'analytics-fold-growth',
          title: 'Analytics live batch: CPU on 10x history / on 1x',
          unit: 'ratio',
          samples: ratios,
          target: { value: TARGET_GROWTH, atLeast: false },
          details,
        },
      ];
    },
  };
}
