import { CUSTOMER_SCHEMA_VERSIONS } from '@crm/domain';
import { createEventStore, createKeyStore } from '@crm/event-store';
import type { EventStore, RecordedEvent } from '@crm/event-store';
import { createReadModelDataSource, ProjectionRebuilder } from '@crm/read-model';
import { generateCustomerHistory } from '@crm/read-model/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { runStatement, selectRows } from '../clickhouse/clickhouse-statements';
import { analyticsSnapshot } from '../testing/analytics-snapshot';
import { openTestAnalytics, type TestAnalytics } from '../testing/analytics-test-database';
import { AnalyticsRebuild, shadowDatabaseName } from './analytics.rebuild';

const SNAPSHOT = { cutoff: '2026-12-31', start: '2025-01-01', currency: 'EUR' };

/** Recorded in each type's current schema version, as the ingest path stamps it today. */
const current = (event: RecordedEvent): RecordedEvent => ({
  ...event,
  metadata: {
    ...event.metadata,
    schemaVersion: CUSTOMER_SCHEMA_VERSIONS[event.type as keyof typeof CUSTOMER_SCHEMA_VERSIONS] ?? 1,
  },
});

/**
 * The two ways into ClickHouse give the same store: the bulk path, where ClickHouse reads events.sqlite and
 * keys.sqlite itself, and the streaming path (EventStoreDB's), where every event comes through the store's
 * reader. The history has sealed cities (opened in SQL), an erased customer (key destroyed: no city), an
 * event in an older schema version (upcast in TypeScript), an event of a type the code does not know, and
 * a malformed event (left out and reported by both).
 */
describe('AnalyticsRebuild from the embedded store itself (sqlite())', () => {
  let dir: string;
  let store: EventStore;
  let readModel: DataSource;
  const opened: TestAnalytics[] = [];
  let streams: RecordedEvent[][];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-analytics-sqlite-'));
    store = createEventStore({ dataDir: dir });
    const history = generateCustomerHistory({ customers: 40, seed: 9, unknownEventRate: 0.05 });
    streams = [...history.streams.values()].map((stream) =>
      stream.map((event) =>
        event.type === 'CustomerAcquired'
          ? current({
              ...event,
              data: { ...event.data, profile: { country: 'IT', city: `city of ${event.streamId}` } },
            })
          : current(event),
      ),
    );
    // c-0's first purchase in v1 (decimal major units, top-level currency): only the upcaster reads it.
    const purchase = streams[0].findIndex((e) => e.type === 'CustomerPurchased');
    if (purchase >= 0) {
      const { orderId } = streams[0][purchase].data as { orderId: string };
      streams[0][purchase] = {
        ...streams[0][purchase],
        data: { orderId, amount: 25.99, currency: 'EUR' },
        metadata: { schemaVersion: 1, source: 'legacy' },
      };
    }
    // c-1's last event: a purchase the analytics store cannot hold.
    streams[1].push({
      ...streams[1][streams[1].length - 1],
      eventId: '00000000-0000-4000-8000-00000000bad1',
      type: 'CustomerPurchased',
      data: { orderId: 'o-bad', amount: { minor: 1.5, currency: 'EUR' } },
      metadata: { schemaVersion: 2, source: 'test' },
    });
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
    }
    const keys = createKeyStore({ dataDir: dir });
    await keys.destroy(streams[2][0].streamId.replace('customer-', ''));
    await keys.close();
    readModel = createReadModelDataSource({ dataDir: dir });
    await readModel.initialize();
    await readModel.runMigrations({ transaction: 'all' });
  }, 120_000);

  afterAll(async () => {
    for (const db of opened) {
      await runStatement(db.ch.client, `DROP DATABASE IF EXISTS ${shadowDatabaseName(db.database)} SYNC`);
      await db.drop();
    }
    await readModel.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rebuild = async (label: string, bulk: boolean) => {
    const db = await openTestAnalytics(label);
    opened.push(db);
    const projection = new AnalyticsRebuild(db.ch, {
      ...(bulk
        ? {
            sqliteStore: { eventsFile: join(dir, 'events.sqlite'), keysFile: join(dir, 'keys.sqlite') },
            loadChunk: 97,
          }
        : {}),
    });
    const result = await new ProjectionRebuilder(store, readModel, {
      owner: label,
      leaseTtlMs: 10_000,
    }).rebuild(projection, { fromScratch: true, batchSize: 100 });
    return { db, result };
  };

  it('builds the same store as the streaming path, opening, erasing, upcasting and rejecting alike', async () => {
    const streamed = await rebuild('sqlite_streamed', false);
    const bulk = await rebuild('sqlite_bulk', true);
    const head = await store.headPosition();
    expect(bulk.result).toMatchObject({ phase: 'done', position: head });
    expect(bulk.result.eventsApplied).toBe(Number(head));
    expect(bulk.result.skipped.map((s) => [s.eventId, s.reason])).toEqual([
      [
        '00000000-0000-4000-8000-00000000bad1',
        expect.stringContaining('data.amount.minor must be an integer'),
      ],
    ]);
    expect(streamed.result.skipped.map((s) => s.eventId)).toEqual(bulk.result.skipped.map((s) => s.eventId));
    expect(await analyticsSnapshot(bulk.db.ch, SNAPSHOT)).toEqual(
      await analyticsSnapshot(streamed.db.ch, SNAPSHOT),
    );

    const cities = await selectRows<{ customer_id: string; city: string }>(
      bulk.db.ch.client,
      `SELECT customer_id, city FROM ${bulk.db.database}.customers FINAL WHERE customer_id IN {ids:Array(String)}
       ORDER BY customer_id`,
      { ids: [0, 2].map((i) => streams[i][0].streamId.replace('customer-', '')) },
    );
    expect(cities).toEqual([
      {
        customer_id: streams[0][0].streamId.replace('customer-', ''),
        city: `city of ${streams[0][0].streamId}`,
      },
      { customer_id: streams[2][0].streamId.replace('customer-', ''), city: '' }, // erased
    ]);
    const [legacy] = await selectRows<{ amount_minor: number; schema_version: number }>(
      bulk.db.ch.client,
      `SELECT amount_minor, schema_version FROM ${bulk.db.database}.events FINAL WHERE source = 'legacy'`,
    );
    expect(legacy).toEqual({ amount_minor: 2599, schema_version: 2 });
  }, 180_000);
});
