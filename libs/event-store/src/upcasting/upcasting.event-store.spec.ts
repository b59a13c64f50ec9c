import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventToAppend, RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from '../sqlite/sqlite.event-store';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { SubscriptionReader, within } from '../testing/event-store.fixtures';
import { customerUpcasters } from './customer.upcasters';
import { UnknownSchemaVersionError } from './upcasting.errors';
import { UpcastingEventStore } from './upcasting.event-store';

const dir = mkdtempSync(join(tmpdir(), 'crm-upcasting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const freshFile = () => join(dir, `${randomUUID()}.sqlite`);

// The decorator is an EventStore like any other: the adapters' contract holds through it.
describeEventStoreContract(
  'upcasting over sqlite',
  async () => new UpcastingEventStore(new SqliteEventStore(freshFile()), customerUpcasters),
  {
    connectAnother: async (store) =>
      new UpcastingEventStore(
        new SqliteEventStore(((store as UpcastingEventStore).inner as SqliteEventStore).filename),
        customerUpcasters,
      ),
  },
);

const purchaseV1 = (orderId: string, amount: number, currency = 'EUR'): EventToAppend => ({
  eventId: randomUUID(),
  type: 'CustomerPurchased',
  occurredAt: '2026-03-01T10:00:00.000Z',
  data: {
    orderId,
    amount,
    currency,
    items: [{ sku: 'A', category: 'books', quantity: 1, unitPrice: amount }],
  },
  metadata: { schemaVersion: 1, source: 'legacy-checkout' },
});
const purchaseV2 = (orderId: string, minor: number, currency = 'EUR'): EventToAppend => ({
  eventId: randomUUID(),
  type: 'CustomerPurchased',
  occurredAt: '2026-03-02T10:00:00.000Z',
  data: { orderId, amount: { minor, currency } },
  metadata: { schemaVersion: 2, source: 'checkout' },
});
const contacted = (schemaVersion?: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'CustomerContacted',
  occurredAt: '2026-03-03T10:00:00.000Z',
  data: { channel: 'email', direction: 'outbound', purpose: 'sales' },
  metadata: (schemaVersion === undefined ? {} : { schemaVersion }) as EventToAppend['metadata'],
});
const fromTheFuture = (): EventToAppend => ({ ...purchaseV2('o-future', 1), metadata: { schemaVersion: 3 } });

const amounts = (events: readonly RecordedEvent[]) => events.map((e) => e.data.amount);

describe('UpcastingEventStore', () => {
  let inner: SqliteEventStore;
  let store: UpcastingEventStore;

  beforeEach(() => {
    inner = new SqliteEventStore(freshFile(), { pollIntervalMs: 10 });
    store = new UpcastingEventStore(inner, customerUpcasters);
  });
  afterEach(() => store.close());

  it('appends unchanged: history stays as recorded, the result is the inner store’s', async () => {
    const result = await store.appendToStream('customer-a', [purchaseV1('o-1', 25.99)]);
    expect(result).toMatchObject({ nextExpectedRevision: 0, position: 1n, idempotentReplay: false });
    const [raw] = await inner.readStream('customer-a');
    expect(raw.data).toMatchObject({ amount: 25.99, currency: 'EUR' });
    expect(raw.metadata.schemaVersion).toBe(1);
    expect(await store.headPosition()).toBe(1n);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('upcasts on readStream, with the inner store’s revisions, positions and options', async () => {
    await store.appendToStream('customer-a', [
      purchaseV1('o-1', 25.99),
      contacted(),
      purchaseV2('o-2', 500),
      purchaseV1('o-3', 1500, 'JPY'),
    ]);
    const events = await store.readStream('customer-a');
    expect(amounts(events)).toEqual([
      { minor: 2599, currency: 'EUR' },
      undefined,
      { minor: 500, currency: 'EUR' },
      { minor: 1500, currency: 'JPY' },
    ]);
    expect(events.map((e) => e.metadata.schemaVersion)).toEqual([2, 1, 2, 2]);
    expect(events.map((e) => e.metadata.upcastFrom)).toEqual([1, undefined, undefined, 1]);
    expect(events.map((e) => [e.streamRevision, e.globalPosition])).toEqual([
      [0, 1n],
      [1, 2n],
      [2, 3n],
      [3, 4n],
    ]);
    expect(events[0].data.items).toEqual([
      { sku: 'A', category: 'books', quantity: 1, unitPrice: { minor: 2599, currency: 'EUR' } },
    ]);
    expect(amounts(await store.readStream('customer-a', { fromRevision: 3, maxCount: 1 }))).toEqual([
      { minor: 1500, currency: 'JPY' },
    ]);
  });

  it('upcasts on readAll, batch by batch', async () => {
    await store.appendToStream('customer-a', [purchaseV1('o-1', 1.005)]);
    await store.appendToStream('other-x', [{ ...contacted(1), type: 'SomethingElse' }]);
    await store.appendToStream('customer-b', [purchaseV1('o-2', 12.345, 'KWD')]);
    const first = await store.readAll({ maxCount: 2 });
    const rest = await store.readAll({ after: first[first.length - 1].globalPosition });
    expect(amounts([...first, ...rest])).toEqual([
      { minor: 101, currency: 'EUR' },
      undefined,
      { minor: 12345, currency: 'KWD' },
    ]);
    expect(amounts(await store.readAll({ streamPrefix: 'customer-' }))).toHaveLength(2);
  });

  it('upcasts on subscribeToAll: history, then live appends', async () => {
    await store.appendToStream('customer-a', [purchaseV1('o-1', 10)]);
    const reader = new SubscriptionReader(store.subscribeToAll({ streamPrefix: 'customer-' }));
    try {
      expect(amounts(await reader.take(1))).toEqual([{ minor: 1000, currency: 'EUR' }]);
      const live = reader.take(2);
      await store.appendToStream('customer-b', [purchaseV1('o-2', 7.5, 'JOD'), purchaseV2('o-3', 42)]);
      const events = await live;
      expect(amounts(events)).toEqual([
        { minor: 7500, currency: 'JOD' },
        { minor: 42, currency: 'EUR' },
      ]);
      expect(events[0].metadata).toMatchObject({
        schemaVersion: 2,
        upcastFrom: 1,
        source: 'legacy-checkout',
      });
    } finally {
      await reader.subscription.close();
    }
  });

  it('keeps close() semantics: a pending next() ends at once, and break closes the subscription', async () => {
    const subscription = store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    const pending = iterator.next();
    await subscription.close();
    await expect(within(pending, 1_000, 'the pending next() to end')).resolves.toEqual({
      done: true,
      value: undefined,
    });

    await store.appendToStream('customer-a', [purchaseV1('o-1', 1), purchaseV1('o-2', 2)]);
    const broken = store.subscribeToAll();
    const seen: unknown[] = [];
    for await (const event of broken) {
      seen.push(event.data.amount);
      break;
    }
    expect(seen).toEqual([{ minor: 100, currency: 'EUR' }]);
    await expect(
      within(broken[Symbol.asyncIterator]().next(), 1_000, 'a closed subscription'),
    ).resolves.toEqual({
      done: true,
      value: undefined,
    });
  });

  it('throws UnknownSchemaVersionError for a version newer than known, on every read path', async () => {
    await store.appendToStream('customer-a', [purchaseV1('o-1', 1), fromTheFuture(), purchaseV2('o-2', 2)]);
    await expect(store.readStream('customer-a')).rejects.toBeInstanceOf(UnknownSchemaVersionError);
    await expect(store.readAll()).rejects.toMatchObject({ code: 'UNKNOWN_SCHEMA_VERSION', schemaVersion: 3 });
    // Reads that do not include the event are fine.
    expect(await store.readStream('customer-a', { maxCount: 1 })).toHaveLength(1);
  });

  it('fails a subscription on an event it cannot read and keeps failing: it never skips past it', async () => {
    await store.appendToStream('customer-a', [purchaseV1('o-1', 1), fromTheFuture(), purchaseV2('o-2', 2)]);
    const reader = new SubscriptionReader(store.subscribeToAll());
    expect(await reader.take(1)).toHaveLength(1);
    await expect(reader.next()).rejects.toBeInstanceOf(UnknownSchemaVersionError);
    await expect(reader.next()).rejects.toBeInstanceOf(UnknownSchemaVersionError);
    await reader.subscription.close(); // idempotent after the failure closed the inner subscription
  });
});
