import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EsdbEventStore } from './esdb/esdb.event-store';
import { createEventStore } from './event-store.factory';
import { SqliteEventStore } from './sqlite/sqlite.event-store';
import { customerUpcasters } from './upcasting/customer.upcasters';
import { UpcastingEventStore } from './upcasting/upcasting.event-store';

describe('createEventStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-factory-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('opens <dataDir>/events.sqlite, creating the directory, when no URL is set; reads are upcast', async () => {
    const dataDir = join(root, 'nested', 'data');
    const store = createEventStore({ dataDir });
    expect(store).toBeInstanceOf(UpcastingEventStore);
    const { inner, chain } = store as UpcastingEventStore;
    expect(chain).toBe(customerUpcasters);
    expect(inner).toBeInstanceOf(SqliteEventStore);
    expect((inner as SqliteEventStore).filename).toBe(join(dataDir, 'events.sqlite'));
    expect(existsSync(join(dataDir, 'events.sqlite'))).toBe(true);
    await store.close();
  });

  it('uses EventStoreDB when a URL is set, upcast as well', async () => {
    const store = createEventStore({
      eventStoreUrl: 'esdb://127.0.0.1:1?tls=false',
      dataDir: join(root, 'unused'),
    });
    expect((store as UpcastingEventStore).inner).toBeInstanceOf(EsdbEventStore);
    expect(existsSync(join(root, 'unused'))).toBe(false);
    await store.close();
  });

  it('hands out the bare adapter when asked for raw history', async () => {
    const store = createEventStore({ dataDir: join(root, 'raw'), raw: true });
    expect(store).toBeInstanceOf(SqliteEventStore);
    await store.close();
  });
});
