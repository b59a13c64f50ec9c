import { createEventStore } from '@crm/event-store';
import type { EventStore, RecordedEvent } from '@crm/event-store';
import { createReadModelDataSource, ProjectionRebuilder, RebuildInterruptedError } from '@crm/read-model';
import { generateCustomerHistory } from '@crm/read-model/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { runStatement, selectRows } from '../clickhouse/clickhouse-statements';
import { AnalyticsProjector } from '../projector/analytics.projector';
import { analyticsSnapshot } from '../testing/analytics-snapshot';
import { openTestAnalytics, type TestAnalytics } from '../testing/analytics-test-database';
import { AnalyticsRebuild, shadowDatabaseName } from './analytics.rebuild';

const SNAPSHOT = { cutoff: '2026-12-31', start: '2025-01-01', currency: 'EUR' };

/** Every customer stream of the store, in global order, as the live consumer would get it (in batches). */
async function project(store: EventStore, projector: AnalyticsProjector): Promise<void> {
  for (let after: bigint | undefined; ;) {
    const batch = await store.readAll({ after, maxCount: 1_000, streamPrefix: 'customer-' });
    if (batch.length === 0) return;
    await projector.apply(batch);
    after = batch[batch.length - 1].globalPosition;
  }
}

/** A second history under other customer ids and event ids, to append while a rebuild runs. */
function lateEvents(label: string, seed: number): RecordedEvent[][] {
  const history = generateCustomerHistory({ customers: 12, seed, unknownEventRate: 0 });
  return [...history.streams.values()].map((stream) =>
    stream.map((e) => ({
      ...e,
      streamId: e.streamId.replace('customer-', `customer-${label}-`),
      eventId: randomUUID(),
    })),
  );
}

/** Appends each stream, then hands what was recorded to the live projector once (as the consumer would). */
async function appendAndProject(
  store: EventStore,
  projector: AnalyticsProjector,
  streams: RecordedEvent[][],
) {
  for (const stream of streams) {
    await store.appendToStream(
      stream[0].streamId,
      stream.map(({ eventId, type, occurredAt, data, metadata }) => ({
        eventId,
        type,
        occurredAt,
        data,
        metadata,
      })),
      { expectedRevision: 'any' },
    );
    const recorded = await store.readStream(stream[0].streamId);
    await projector.apply(recorded);
  }
}

async function count(db: TestAnalytics, sql: string): Promise<number> {
  return Number((await selectRows<{ n: number }>(db.ch.client, sql))[0].n);
}

describe('AnalyticsRebuild (embedded engine)', () => {
  let dir: string;
  let store: EventStore;
  let readModel: DataSource;
  let live: TestAnalytics;
  let fresh: TestAnalytics;
  let events: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-analytics-rebuild-'));
    store = createEventStore({ dataDir: dir });
    const history = generateCustomerHistory({ customers: 250, seed: 5, unknownEventRate: 0 });
    for (const stream of history.streams.values()) {
      await store.appendToStream(
        stream[0].streamId,
        stream.map(({ eventId, type, occurredAt, data, metadata }: RecordedEvent) => ({
          eventId,
          type,
          occurredAt,
          data,
          metadata,
        })),
        { expectedRevision: 'any' },
      );
    }
    events = history.events.length;
    readModel = createReadModelDataSource({ dataDir: dir });
    await readModel.initialize();
    await readModel.runMigrations({ transaction: 'all' });
    live = await openTestAnalytics('rebuild_live');
    fresh = await openTestAnalytics('rebuild_fresh');
    await project(store, new AnalyticsProjector(live.ch));
    await project(store, new AnalyticsProjector(fresh.ch));
  }, 120_000);

  afterAll(async () => {
    await runStatement(live.ch.client, `DROP DATABASE IF EXISTS ${shadowDatabaseName(live.database)} SYNC`);
    await live.drop();
    await fresh.drop();
    await readModel.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a shadow database while queries run, resumes after an abort, swaps: equals a fresh projection', async () => {
    expect(events).toBeGreaterThan(2_000);
    // Spoil the live store so a reader can tell the old tables from the rebuilt ones.
    await runStatement(
      live.ch.client,
      `INSERT INTO ${live.database}.events (event_id, event_type, customer_id, occurred_at, recorded_at)
       VALUES ('bogus', 'CustomerContacted', 'c-0', '2025-01-01 00:00:00.000', '2025-01-01 00:00:00.000')`,
    );
    const liveCount = `SELECT count() AS n FROM ${live.database}.events FINAL`;
    expect(await count(live, liveCount)).toBe(events + 1);

    // Readers all along: every answer is the old store's or the rebuilt one's, none fails.
    let reading = true;
    const seen = new Set<number>();
    let reads = 0;
    const readers = (async () => {
      while (reading) {
        seen.add(await count(live, liveCount));
        await selectRows(live.ch.client, `SELECT * FROM ${live.database}.customers FINAL LIMIT 5`);
        reads += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const projection = new AnalyticsRebuild(live.ch);
    const rebuilder = new ProjectionRebuilder(store, readModel, { owner: 'test', leaseTtlMs: 10_000 });
    const controller = new AbortController();
    let stoppedAt = 0n;
    await expect(
      rebuilder.rebuild(projection, {
        batchSize: 250,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.fraction >= 0.4 && !controller.signal.aborted) {
            stoppedAt = p.position;
            controller.abort();
          }
        },
      }),
    ).rejects.toBeInstanceOf(RebuildInterruptedError);
    expect(stoppedAt).toBeGreaterThan(0n);
    const shadow = { ...live, ch: { ...live.ch, database: shadowDatabaseName(live.database) } };
    const shadowCount = `SELECT count() AS n FROM ${shadow.ch.database}.events FINAL`;
    const halfway = await count(shadow as TestAnalytics, shadowCount);
    expect(halfway).toBeGreaterThan(0);
    expect(halfway).toBeLessThan(events);
    expect(await count(live, liveCount)).toBe(events + 1); // the live store is untouched

    const result = await rebuilder.rebuild(projection, { batchSize: 250 });
    reading = false;
    await readers;

    const head = await store.headPosition();
    expect(result).toMatchObject({ resumed: true, position: head, phase: 'done' });
    expect(result.startPosition).toBeGreaterThanOrEqual(stoppedAt);
    expect(result.eventsApplied).toBeLessThan(events); // not started over
    expect(reads).toBeGreaterThan(0);
    expect(seen.has(events + 1)).toBe(true);
    expect([...seen].every((n) => n === events || n === events + 1)).toBe(true);
    expect(await count(live, liveCount)).toBe(events);
    expect(await analyticsSnapshot(live.ch, SNAPSHOT)).toEqual(await analyticsSnapshot(fresh.ch, SNAPSHOT));
    expect(await projection.livePosition()).toBe(head);
    const shadows = await selectRows(
      live.ch.client,
      `SELECT name FROM system.databases WHERE name = {n:String}`,
      {
        n: shadow.ch.database,
      },
    );
    expect(shadows).toEqual([]); // retired
  }, 180_000);

  it('loses nothing the live projector wrote while the rebuild built and swapped, and counts nothing twice', async () => {
    const liveProjector = new AnalyticsProjector(live.ch);
    const pending: Promise<void>[] = [];
    let midway = false;
    let swapping = false;
    let exchanging = false;
    // The narrowest window: events appended and projected into the old tables after the shadow's last
    // catch-up read, just before the EXCHANGE statement runs (as a live consumer may).
    const client = new Proxy(live.ch.client, {
      get(target, key, receiver) {
        if (key !== 'command') return Reflect.get(target, key, receiver);
        return async (params: { query: string }) => {
          if (params.query.startsWith('EXCHANGE') && !exchanging) {
            exchanging = true;
            await appendAndProject(store, liveProjector, lateEvents('exchange', 23));
          }
          return target.command(params);
        };
      },
    });
    const result = await new ProjectionRebuilder(store, readModel, {
      owner: 'test-appends',
      leaseTtlMs: 10_000,
    }).rebuild(new AnalyticsRebuild({ ...live.ch, client }), {
      batchSize: 250,
      onProgress: (p) => {
        if (!midway && p.fraction >= 0.5) {
          midway = true;
          pending.push(appendAndProject(store, liveProjector, lateEvents('mid', 21)));
        }
        if (!swapping && p.phase === 'swapping') {
          swapping = true;
          pending.push(appendAndProject(store, liveProjector, lateEvents('swap', 22)));
        }
      },
    });
    await Promise.all(pending);
    expect(midway && swapping && exchanging).toBe(true);
    expect(result.phase).toBe('done');

    // The reference: a store that received every event once, the late ones included.
    await project(store, new AnalyticsProjector(fresh.ch));
    expect(await analyticsSnapshot(live.ch, SNAPSHOT)).toEqual(await analyticsSnapshot(fresh.ch, SNAPSHOT));
    expect(await new AnalyticsProjector(live.ch).checkpoint()).toBe(await store.headPosition());
  }, 180_000);
});
