import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EsdbEventStore } from './esdb/esdb.event-store';
import type { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite.event-store';

export interface EventStoreSettings {
  /** EventStoreDB connection string; when set, the production adapter is used. */
  eventStoreUrl?: string;
  /** Where the embedded store keeps `events.sqlite` (created when missing). */
  dataDir: string;
}

/** EventStoreDB when a URL is configured, otherwise the embedded SQLite file `<dataDir>/events.sqlite`. */
export function createEventStore(settings: EventStoreSettings): EventStore {
  if (settings.eventStoreUrl) return EsdbEventStore.fromConnectionString(settings.eventStoreUrl);
  mkdirSync(settings.dataDir, { recursive: true });
  return new SqliteEventStore(join(settings.dataDir, 'events.sqlite'));
}
