import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EsdbEventStore } from './esdb/esdb.event-store';
import type { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite.event-store';
import { customerUpcasters } from './upcasting/customer.upcasters';
import { UpcastingEventStore } from './upcasting/upcasting.event-store';

export interface EventStoreSettings {
  /** EventStoreDB connection string; when set, the production adapter is used. */
  eventStoreUrl?: string;
  /** Where the embedded store keeps `events.sqlite` (created when missing). */
  dataDir: string;
  /**
   * Read events as recorded, without upcasting. Default false. Only for tools that must see history
   * byte for byte (inspecting the store, tests of the upcasters): every projection, the relay, time travel
   * and the decider must read the current shapes.
   */
  raw?: boolean;
}

/**
 * EventStoreDB when a URL is configured, otherwise the embedded SQLite file `<dataDir>/events.sqlite`;
 * wrapped in an UpcastingEventStore so every reader gets each event in its type's current schema version
 * (CUSTOMER_SCHEMA_VERSIONS), whichever version it was written in. Appends pass through unchanged.
 */
export function createEventStore(settings: EventStoreSettings): EventStore {
  const adapter = createAdapter(settings);
  return settings.raw ? adapter : new UpcastingEventStore(adapter, customerUpcasters);
}

function createAdapter(settings: EventStoreSettings): EventStore {
  if (settings.eventStoreUrl) return EsdbEventStore.fromConnectionString(settings.eventStoreUrl);
  mkdirSync(settings.dataDir, { recursive: true });
  return new SqliteEventStore(join(settings.dataDir, 'events.sqlite'));
}
