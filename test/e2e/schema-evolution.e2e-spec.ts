import { CUSTOMER_SCHEMA_VERSIONS, type Money } from '@crm/domain';
import {
  minorUnitExponent,
  SqliteEventStore,
  type EventToAppend,
  type RecordedEvent,
} from '@crm/event-store';
import { CustomerQueries, READ_MODEL_DATA_SOURCE } from '@crm/read-model';
import { snapshot } from '@crm/read-model/testing';
import { generateCustomerHistory } from '@crm/read-model/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ApiHarness, startApi } from '../support/api-harness';
import { expectReadModelEqualsFold, waitForPipeline } from '../support/pipeline-checks';

/** 2599 EUR minor units → 25.99: the decimal a v1 publisher sent, built from digits (no float arithmetic). */
function toMajor({ minor, currency }: Money): number {
  const exponent = minorUnitExponent(currency);
  if (exponent === 0) return minor;
  const digits = String(minor).padStart(exponent + 1, '0');
  return Number(`${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`);
}

/** A v2 purchase's data in the v1 shape: decimal amount and unit prices, one top-level currency. */
function purchaseAsV1(data: Record<string, unknown>): Record<string, unknown> {
  const { amount, items, ...rest } = data as { amount: Money; items?: { unitPrice: Money }[] };
  return {
    ...rest,
    amount: toMajor(amount),
    currency: amount.currency,
    ...(items ? { items: items.map((item) => ({ ...item, unitPrice: toMajor(item.unitPrice) })) } : {}),
  };
}

type Writing = 'current' | 'mixed';

/**
 * One history, written two ways. `current`: every event stamped with its type's current version.
 * `mixed`: purchases rotate through the three shapes found in real history: v1 with decimal amounts, v1
 * stamped on Money (the API before the version was bumped), and v2.
 */
function toAppend(event: RecordedEvent, writing: Writing, purchaseIndex: number): EventToAppend {
  const { eventId, type, occurredAt, data } = event;
  const current = CUSTOMER_SCHEMA_VERSIONS[type as keyof typeof CUSTOMER_SCHEMA_VERSIONS];
  const base = { eventId, type, occurredAt, data, metadata: { schemaVersion: current ?? 1, source: 'test' } };
  if (writing === 'current' || type !== 'CustomerPurchased') return base;
  switch (purchaseIndex % 3) {
    case 0:
      return { ...base, data: purchaseAsV1(data), metadata: { schemaVersion: 1, source: 'legacy' } };
    case 1:
      return { ...base, metadata: { schemaVersion: 1, source: 'api-before-bump' } };
    default:
      return base;
  }
}

/** Appends the history in its global order, one event per append, so positions are the same in both stores. */
async function writeStore(dataDir: string, events: readonly RecordedEvent[], writing: Writing) {
  const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  let purchases = 0;
  let v1Decimal = 0;
  try {
    for (const event of events) {
      const append = toAppend(event, writing, event.type === 'CustomerPurchased' ? purchases++ : 0);
      if (typeof append.data.amount === 'number') v1Decimal++;
      await store.appendToStream(event.streamId, [append], { expectedRevision: 'any' });
    }
  } finally {
    await store.close();
  }
  return { purchases, v1Decimal };
}

const withoutUpdatedAt = <T extends { updatedAt?: unknown }>(rows: T[]) =>
  rows.map(({ updatedAt: _u, ...rest }) => rest);

interface Observed {
  readonly tables: unknown;
  readonly views: Map<string, unknown>;
  readonly foldChecked: number;
  readonly upcastFromV1: number;
  readonly decided: string[];
}

describe('schema evolution: a replay over mixed versions', () => {
  const history = generateCustomerHistory({ customers: 80, seed: 5, unknownEventRate: 0 });
  const customerIds = [...history.streams.keys()];
  const midway = history.events[Math.floor(history.events.length / 2)].globalPosition.toString();
  // A churned customer: a new purchase must reactivate them, decided on the (upcast) stream.
  const churned = [...history.streams.entries()].find(
    ([, events]) => events.at(-1)?.type === 'CustomerChurned',
  );
  const observed: Partial<Record<Writing, Observed>> = {};
  let v1Decimal = 0;

  /**
   * Writes the history, runs the whole pipeline on it as `crm serve` does (relay → bus → read-model
   * projector) and records what the read side answers. One deployment at a time: the embedded analytics
   * engine is one per process.
   */
  async function observe(writing: Writing): Promise<Observed> {
    const dataDir = mkdtempSync(join(tmpdir(), `crm-schema-${writing}-`));
    let api: ApiHarness | undefined;
    try {
      const written = await writeStore(dataDir, history.events, writing);
      if (writing === 'mixed') v1Decimal = written.v1Decimal;
      api = await startApi({ DATA_DIR: dataDir }, { withWorker: true });
      await waitForPipeline(api.http, 60_000);

      const all = await api.store.readAll({ maxCount: 100_000 });
      expect(all).toHaveLength(history.events.length);
      for (const event of all) {
        const type = event.type as keyof typeof CUSTOMER_SCHEMA_VERSIONS;
        expect(event.metadata.schemaVersion).toBe(CUSTOMER_SCHEMA_VERSIONS[type]);
        if (type === 'CustomerPurchased') {
          expect(event.data.amount).toEqual({ minor: expect.any(Number), currency: expect.any(String) });
        }
      }

      const { customers, spend, checkpoints } = await snapshot(
        api.app.get<DataSource>(READ_MODEL_DATA_SOURCE),
      );
      const tables = {
        customers: withoutUpdatedAt(customers),
        spend,
        positions: checkpoints.map((c) => c.position),
      };
      const foldChecked = await expectReadModelEqualsFold(
        api.store,
        api.app.get(CustomerQueries),
        customerIds,
      );
      const views = new Map<string, unknown>();
      for (const customerId of customerIds) {
        const now = await request(api.http).get(`/v1/customers/${customerId}`).expect(200);
        const then = await request(api.http).get(`/v1/customers/${customerId}?asOf=${midway}`);
        const { updatedAt: _u, freshness: _f, ...view } = now.body;
        views.set(customerId, { view, then: [then.status, then.body] });
      }

      const res = await request(api.http)
        .post('/v1/events')
        .send({
          type: 'CustomerPurchased',
          customerId: (churned as [string, unknown])[0],
          occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
          data: { orderId: 'o-new', amount: { minor: 100, currency: 'EUR' } },
        });
      expect([res.status, res.body.errors]).toEqual([201, undefined]);
      const decided = res.body.results.map((r: { type: string }) => r.type);
      // As recorded, not upcast: the API stamps the current version.
      const raw = new SqliteEventStore(join(dataDir, 'events.sqlite'));
      try {
        const [last] = (await raw.readStream(`customer-${(churned as [string, unknown])[0]}`)).slice(-1);
        expect(last).toMatchObject({ type: 'CustomerPurchased', metadata: { schemaVersion: 2 } });
      } finally {
        await raw.close();
      }
      return {
        tables,
        views,
        foldChecked,
        upcastFromV1: all.filter((e) => e.metadata.upcastFrom === 1).length,
        decided,
      };
    } finally {
      await api?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  beforeAll(async () => {
    expect(churned).toBeDefined();
    observed.current = await observe('current');
    observed.mixed = await observe('mixed');
  }, 120_000);

  it('writes a real mix, and reads every event in its current version', () => {
    // A third of the purchases are stored with decimal amounts, another third as v1-stamped Money.
    expect(v1Decimal).toBeGreaterThan(20);
    expect(observed.mixed?.upcastFromV1).toBeGreaterThan(2 * v1Decimal - 5);
    expect(observed.current?.upcastFromV1).toBe(0);
  });

  it('projects the same read model, table for table, as the history written in the current version', () => {
    const current = observed.current as Observed;
    expect((current.tables as { customers: unknown[] }).customers).toHaveLength(customerIds.length);
    expect((observed.mixed as Observed).tables).toEqual(current.tables);
  });

  it('answers the same Customer 360 and time travel, and both projections equal the fold of the stream', () => {
    expect(observed.current?.foldChecked).toBe(customerIds.length);
    expect(observed.mixed?.foldChecked).toBe(customerIds.length);
    expect((observed.mixed as Observed).views).toEqual((observed.current as Observed).views);
  });

  it('decides on upcast history: a purchase by a churned customer reactivates, as on current history', () => {
    for (const writing of ['current', 'mixed'] as const) {
      expect(observed[writing]?.decided).toEqual(['CustomerReactivated', 'CustomerPurchased']);
    }
  });
});
