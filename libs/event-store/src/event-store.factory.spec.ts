import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EsdbEventStore } from './esdb/esdb.event-store';
import { createEventStore } from './event-store.factory';
import { SqliteEventStore } from './sqlite/sqlite.event-store';

describe('createEventStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-factory-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('opens <dataDir>/events.sqlite, creating the directory, when no URL is set', async () => {
    const dataDir = join(root, 'nested', 'data');
    const store = createEventStore({ dataDir });
    expect(store).toBeInstanceOf(SqliteEventStore);
    expect((store as SqliteEventStore).filename).toBe(join(dataDir, 'events.sqlite'));
    expect(existsSync(join(dataDir, 'events.sqlite'))).toBe(true);
    await store.close();
  });

  it('uses EventStoreDB when a URL is set', async () => {
    const store = createEventStore({
      eventStoreUrl: 'esdb://127.0.0.1:1?tls=false',
      dataDir: join(root, 'unused'),
    });
    expect(store).toBeInstanceOf(EsdbEventStore);
    expect(existsSync(join(root, 'unused'))).toBe(false);
    await store.close();
  });
});
