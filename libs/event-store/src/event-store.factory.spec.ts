import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EsdbEventStore } from './esdb/esdb.event-store';
import { CryptoShreddingEventStore } from './erasure/crypto-shredding.event-store';
import { createEventStore } from './event-store.factory';
import { anEvent } from './testing/event-store.fixtures';
import { committedWalTransactions } from './testing/sqlite-wal.reader';
import { SqliteEventStore } from './sqlite/sqlite.event-store';
import { customerUpcasters } from './upcasting/customer.upcasters';
import { UpcastingEventStore } from './upcasting/upcasting.event-store';

describe('createEventStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-factory-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('opens <dataDir>/events.sqlite, creating the directory, when no URL is set; crypto-shredded, upcast', async () => {
    const dataDir = join(root, 'nested', 'data');
    const store = createEventStore({ dataDir });
    expect(store).toBeInstanceOf(UpcastingEventStore);
    const { inner, chain } = store as UpcastingEventStore;
    expect(chain).toBe(customerUpcasters);
    expect(inner).toBeInstanceOf(CryptoShreddingEventStore);
    const adapter = (inner as CryptoShreddingEventStore).inner;
    expect(adapter).toBeInstanceOf(SqliteEventStore);
    expect((adapter as SqliteEventStore).filename).toBe(join(dataDir, 'events.sqlite'));
    expect(existsSync(join(dataDir, 'events.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'keys.sqlite'))).toBe(true);
    await store.close();
  });

  it('uses EventStoreDB when a URL is set, with the data keys still under dataDir', async () => {
    const store = createEventStore({
      eventStoreUrl: 'esdb://127.0.0.1:1?tls=false',
      dataDir: join(root, 'esdb'),
    });
    const shredding = (store as UpcastingEventStore).inner as CryptoShreddingEventStore;
    expect(shredding.inner).toBeInstanceOf(EsdbEventStore);
    expect(existsSync(join(root, 'esdb', 'events.sqlite'))).toBe(false);
    expect(existsSync(join(root, 'esdb', 'keys.sqlite'))).toBe(true);
    await store.close();
  });

  it('opens the embedded store durable (synchronous FULL) unless durability is normal', async () => {
    const durable = createEventStore({ dataDir: join(root, 'durable'), raw: true }) as SqliteEventStore;
    const relaxed = createEventStore({
      dataDir: join(root, 'relaxed'),
      raw: true,
      durability: 'normal',
    }) as SqliteEventStore;
    expect(durable.synchronous).toBe('FULL');
    expect(relaxed.synchronous).toBe('NORMAL');
    await durable.close();
    await relaxed.close();
  });

  it('through crypto-shredding, concurrent appends of new customers share one key commit and one event commit', async () => {
    const dataDir = join(root, 'grouped');
    const store = createEventStore({ dataDir });
    await store.appendToStream('customer-warm-up', [anEvent({ data: { profile: { name: 'Ada' } } })]);
    const [events, keys] = ['events.sqlite', 'keys.sqlite'].map((file) => join(dataDir, file));
    const before = [committedWalTransactions(events), committedWalTransactions(keys)];

    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        store.appendToStream(
          `customer-${i}`,
          [anEvent({ data: { profile: { email: `c${i}@example.com` } } })],
          {
            expectedRevision: 'no_stream',
          },
        ),
      ),
    );

    expect(results.every((r) => r.nextExpectedRevision === 0)).toBe(true);
    expect(committedWalTransactions(events) - before[0]).toBe(1);
    expect(committedWalTransactions(keys) - before[1]).toBe(1);
    const [read] = await store.readStream('customer-7');
    expect(read.data).toMatchObject({ profile: { email: 'c7@example.com' } });
    await store.close();
  });

  it('hands out the bare adapter when asked for raw history', async () => {
    const store = createEventStore({ dataDir: join(root, 'raw'), raw: true });
    expect(store).toBeInstanceOf(SqliteEventStore);
    await store.close();
  });
});
