import type { RecordedEvent } from '@crm/event-store';
import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { runStatement } from '../clickhouse/clickhouse-statements';
import { analyticsSnapshot, openTestAnalytics, RecordedHistoryBuilder, type TestAnalytics } from '../testing';
import { AnalyticsProjector } from './analytics.projector';

jest.setTimeout(300_000);

const SNAPSHOT = { cutoff: '2026-12-31', start: '2020-01-01', currency: 'EUR' };
const DERIVED = ['events', 'customers', 'customer_daily', 'customer_revisions'];

const day = (n: number) => new Date(Date.UTC(2021, 0, 1) + n * 86_400_000).toISOString();

/** Customers with an acquisition and `purchases` purchases each, on days spread over past years. */
function history(customers: number, purchases: number, label: string): RecordedHistoryBuilder {
  const builder = new RecordedHistoryBuilder(label);
  for (let c = 0; c < customers; c += 1) {
    builder.acquired(`c-${c}`, day(0), { channel: 'email', profile: { country: 'DE', city: 'Köln' } });
    for (let p = 0; p < purchases; p += 1) {
      builder.purchased(`c-${c}`, day(1 + ((p * 7 + c) % 1400)), {
        minor: 100 + p,
        items: [{ sku: 's', category: 'k', quantity: 1 + (p % 3), unitMinor: 100 }],
      });
    }
  }
  return builder;
}

/** The same batch on any history: `customers` customers each buy twice on one new day, and one is contacted. */
function batchOn(builder: RecordedHistoryBuilder, customers: number): RecordedEvent[] {
  const before = builder.events.length;
  for (let c = 0; c < customers; c += 1) {
    builder.purchased(`c-${c}`, '2026-06-01T10:00:00.000Z', { minor: 500 });
    builder.purchased(`c-${c}`, '2026-06-01T18:00:00.000Z', { minor: 700 });
    builder.contacted(`c-${c}`, '2026-06-02T09:00:00.000Z');
  }
  return builder.events.slice(before);
}

/** The client, with the rows each statement read (its summary's read_rows) recorded. */
function readCounting(ch: AnalyticsClient, reads: number[]): AnalyticsClient {
  const client = new Proxy(ch.client, {
    get(target, property) {
      if (property === 'command') {
        return async (params: Parameters<typeof target.command>[0]) => {
          const result = await target.command(params);
          reads.push(Number(result.summary?.read_rows ?? 0));
          return result;
        };
      }
      if (property === 'query') {
        // A SELECT's summary is not exposed by query(): the same statement run once more as a command.
        return async (params: Parameters<typeof target.query>[0]) => {
          const { query, query_params, clickhouse_settings } = params;
          const probe = await target.command({ query, query_params, clickhouse_settings });
          reads.push(Number(probe.summary?.read_rows ?? 0));
          return target.query(params);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...ch, client };
}

describe('the live fold', () => {
  const opened: TestAnalytics[] = [];
  const open = async (label: string) => {
    const db = await openTestAnalytics(label);
    opened.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of opened) await db.drop();
  });

  it('reads the same rows for the same batch whatever the history (1x, 10x)', async () => {
    const readsOn = async (purchases: number) => {
      const db = await open(`fold_cost_${purchases}`);
      const builder = history(200, purchases, `cost${purchases}`);
      const past = builder.events;
      const batch = batchOn(builder, 10);
      const projector = new AnalyticsProjector(db.ch);
      for (let i = 0; i < past.length; i += 5_000) await projector.apply(past.slice(i, i + 5_000));
      // The same parts on both stores: what is left to compare is what the statements select.
      for (const table of DERIVED)
        await runStatement(db.ch.client, `OPTIMIZE TABLE ${db.database}.${table} FINAL`);
      const reads: number[] = [];
      await new AnalyticsProjector(readCounting(db.ch, reads)).apply(batch);
      return { total: reads.reduce((a, b) => a + b, 0), history: past.length };
    };
    const once = await readsOn(20);
    const tenfold = await readsOn(200);
    expect(tenfold.history).toBeGreaterThanOrEqual(9 * once.history);
    expect(once.total).toBeGreaterThan(0);
    // Granule boundaries may add a granule here and there; re-aggregating would read ten times as much.
    expect(tenfold.total).toBeLessThanOrEqual(Math.ceil(once.total * 1.5));
    expect(tenfold.total).toBeLessThan(tenfold.history / 4);
  });

  describe('two instances folding one customer at once (a rebalance)', () => {
    const builder = new RecordedHistoryBuilder('race')
      .acquired('r-1', '2026-01-01T08:00:00.000Z', { channel: 'email', profile: { city: 'Lyon' } })
      .purchased('r-1', '2026-01-02T08:00:00.000Z', { minor: 100 })
      .purchased('r-1', '2026-01-03T08:00:00.000Z', { minor: 200 })
      // first instance's batch
      .purchased('r-1', '2026-01-03T09:00:00.000Z', { minor: 300 })
      .churned('r-1', '2026-02-01T00:00:00.000Z')
      // second instance's batch
      .reactivated('r-1', '2026-03-01T00:00:00.000Z')
      .purchased('r-1', '2026-01-03T10:00:00.000Z', { minor: 400 })
      .purchased('r-1', '2026-03-01T00:00:00.000Z', { minor: 500 });
    const events = builder.events;
    const [before, first, second] = [events.slice(0, 3), events.slice(3, 5), events.slice(5)];
    let reference: Record<string, unknown[]>;

    beforeAll(async () => {
      const db = await open('fold_race_ref');
      await new AnalyticsProjector(db.ch).apply(events);
      reference = await analyticsSnapshot(db.ch, SNAPSHOT);
    });

    /** A projector that stops at `step` until released: the other instance runs meanwhile. */
    const pausing = (ch: AnalyticsClient, step: 'fold' | 'foldDaily') => {
      let release!: () => void;
      let reached!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const arrived = new Promise<void>((resolve) => (reached = resolve));
      class Paused extends AnalyticsProjector {
        protected override async fold(ids: readonly string[]): Promise<void> {
          if (step === 'fold') {
            reached();
            await gate;
          }
          return super.fold(ids);
        }
        protected override async foldDaily(unfolded: readonly string[]): Promise<void> {
          if (step === 'foldDaily') {
            reached();
            await gate;
          }
          return super.foldDaily(unfolded);
        }
      }
      return { projector: new Paused(ch), release, arrived };
    };

    it.each(['fold', 'foldDaily'] as const)('changes no answer when one stops before %s', async (step) => {
      const db = await open(`fold_race_${step}`);
      for (const table of DERIVED)
        await runStatement(db.ch.client, `SYSTEM STOP MERGES ${db.database}.${table}`);
      await new AnalyticsProjector(db.ch).apply(before);
      const slow = pausing(db.ch, step);
      const slowWrite = slow.projector.apply(first);
      await slow.arrived;
      await new AnalyticsProjector(db.ch).apply(second);
      slow.release();
      await slowWrite;
      expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
    });
  });

  it('folds the events past a missing one, and the missing one when it comes', async () => {
    const builder = history(3, 6, 'gap');
    const events = builder.events;
    const reference = await open('fold_gap_ref');
    await new AnalyticsProjector(reference.ch).apply(events);
    const db = await open('fold_gap');
    const projector = new AnalyticsProjector(db.ch);
    const missing = events[4];
    await projector.apply(events.filter((event) => event !== missing));
    const [row] = await db.ch.client
      .query({
        query: `SELECT folded_through, folded_above FROM ${db.database}.customers FINAL WHERE customer_id = 'c-0'`,
        format: 'JSONEachRow',
      })
      .then((result) => result.json<{ folded_through: number; folded_above: number[] }>());
    expect(row).toEqual({ folded_through: 3, folded_above: [5, 6] });
    await projector.apply([missing]);
    expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(await analyticsSnapshot(reference.ch, SNAPSHOT));
  });
});
