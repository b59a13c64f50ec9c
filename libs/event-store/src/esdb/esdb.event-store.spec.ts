import { UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../event-store.errors';
import type { EventStore } from '../event-store.port';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { anEvent } from '../testing/event-store.fixtures';
import { FakeEsdbClient } from '../testing/fake-esdb.client';
import { EsdbEventStore } from './esdb.event-store';
import { actualRevisionOf, mapConnectionError } from './esdb.mapping';

// The real server runs the same suite in esdb.event-store.int-spec.ts when EVENTSTORE_URL is set. Here the
// adapter's own logic runs against an in-memory model of the client (see FakeEsdbClient for what it models).
const fakes = new WeakMap<EventStore, FakeEsdbClient>();

describeEventStoreContract(
  'EsdbEventStore over an in-memory model of the EventStoreDB client',
  async () => {
    const fake = new FakeEsdbClient();
    const store = new EsdbEventStore(fake.asClient());
    fakes.set(store, fake);
    return store;
  },
  {
    connectAnother: async (store) => new EsdbEventStore((fakes.get(store) as FakeEsdbClient).asClient()),
  },
);

describe('EsdbEventStore countAll', () => {
  it('counts exactly up to countCap, then answers "at least" (ESDB keeps no count of $all)', async () => {
    const store = new EsdbEventStore(new FakeEsdbClient().asClient(), { countCap: 5 });
    await store.appendToStream('customer-1', [anEvent(), anEvent(), anEvent()]);
    expect(await store.countAll({ streamPrefix: 'customer-' })).toMatchObject({ count: 3, atLeast: false });
    await store.appendToStream('customer-2', [anEvent(), anEvent(), anEvent(), anEvent()]);
    expect(await store.countAll({ streamPrefix: 'customer-' })).toMatchObject({ count: 5, atLeast: true });
    const [first] = await store.readAll({ maxCount: 1 });
    expect(await store.countAll({ after: first.globalPosition })).toMatchObject({ count: 5, atLeast: true });
    const rest = await store.readAll({ after: first.globalPosition, maxCount: 3 });
    expect(await store.countAll({ after: rest[2].globalPosition })).toEqual({
      count: 3,
      atLeast: false,
      firstRecordedAt: (await store.readAll({ after: rest[2].globalPosition, maxCount: 1 }))[0].recordedAt,
    });
  });
});

describe('EsdbEventStore countAll across pages', () => {
  it('counts each event once where its $all pages overlap', async () => {
    const store = new EsdbEventStore(new FakeEsdbClient().asClient());
    for (let i = 0; i < 9; i++)
      await store.appendToStream(
        `customer-${i}`,
        Array.from({ length: 1_000 }, () => anEvent()),
      );
    expect(await store.countAll({ streamPrefix: 'customer-' })).toMatchObject({
      count: 9_000,
      atLeast: false,
    });
  });
});

describe('EsdbEventStore mapping', () => {
  it('keeps occurredAt and correlation mirrors in ESDB metadata, and strips the mirrors on read', async () => {
    const fake = new FakeEsdbClient();
    const store = new EsdbEventStore(fake.asClient());
    const event = anEvent({ occurredAt: '2025-06-01T10:00:00+02:00' });
    await store.appendToStream('customer-1', [event]);

    const [raw] = await fake.readStream('customer-1').toArray();
    expect((raw as { event: { metadata: unknown } }).event.metadata).toEqual({
      ...event.metadata,
      $occurredAt: '2025-06-01T10:00:00+02:00',
      $correlationId: event.metadata.correlationId,
      $causationId: event.metadata.causationId,
    });
    const [read] = await store.readStream('customer-1');
    expect(read.metadata).toEqual(event.metadata);
    expect(read.occurredAt).toBe(event.occurredAt);
    await store.close();
    expect(fake.disposed).toBe(true);
  });

  it('appendToStreams goes stream by stream: a conflict in the 3rd append leaves the 1st and 2nd written', async () => {
    const store = new EsdbEventStore(new FakeEsdbClient().asClient());
    await store.appendToStream('customer-3', [anEvent(), anEvent()]);
    const appends = [
      { streamId: 'customer-1', events: [anEvent()], expectedRevision: 'no_stream' as const },
      { streamId: 'customer-2', events: [anEvent()] },
      { streamId: 'customer-3', events: [anEvent()], expectedRevision: 0 },
    ];
    await expect(store.appendToStreams(appends)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(await store.readStream('customer-1')).toHaveLength(1);
    expect(await store.readStream('customer-2')).toHaveLength(1);
    expect(await store.readStream('customer-3')).toHaveLength(2);
    // A corrected retry of the whole call: the written ones replay, the rest is appended.
    const retry = await store.appendToStreams([
      ...appends.slice(0, 2),
      { ...appends[2], expectedRevision: 1 },
    ]);
    expect(retry.map((r) => r.idempotentReplay)).toEqual([true, true, false]);
    await store.close();
  });

  it("reads the actual revision of WrongExpectedVersionError ('no_stream' is -1)", () => {
    const error = (current: bigint | 'no_stream') =>
      new WrongExpectedVersionError(undefined, { streamName: 's', expected: 'any', current });
    expect(actualRevisionOf(error('no_stream'))).toBe(-1);
    expect(actualRevisionOf(error(7n))).toBe(7);
  });

  it('maps connection failures to EventStoreUnavailableError and leaves other errors alone', () => {
    expect(mapConnectionError(new UnavailableError())).toBeInstanceOf(EventStoreUnavailableError);
    expect(mapConnectionError(new Error('Failed to discover after 10 attempts.'))).toBeInstanceOf(
      EventStoreUnavailableError,
    );
    const other = new Error('boom');
    expect(mapConnectionError(other)).toBe(other);
  });

  it('fromConnectionString builds a store without connecting', async () => {
    const store = EsdbEventStore.fromConnectionString('esdb://127.0.0.1:1?tls=false');
    expect(store).toBeInstanceOf(EsdbEventStore);
    await store.close();
  });
});
