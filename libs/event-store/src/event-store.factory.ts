import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CryptoShreddingEventStore } from './erasure/crypto-shredding.event-store';
import type { KeyStore } from './erasure/key-store.port';
import { SqliteKeyStore } from './erasure/sqlite/sqlite.key-store';
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
   * The embedded store's commit (EVENT_STORE_DURABILITY): `full` (default) is on disk before an append is
   * acknowledged (synchronous FULL); `normal` leaves the last appends to the OS page cache (synchronous
   * NORMAL). Concurrent appends share commits either way.
   */
  durability?: 'full' | 'normal';
  /**
   * Read events as recorded, without upcasting. Default false. Only for tools that must see history
   * byte for byte (inspecting the store, tests of the upcasters): every projection, the relay, time travel
   * and the decider must read the current shapes.
   */
  raw?: boolean;
  /** The data keys of crypto-shredding. Default: `<dataDir>/keys.sqlite` (see createKeyStore). */
  keyStore?: KeyStore;
  /**
   * Read personal data still sealed (encrypted). Default false. For whatever copies events out of the store
   * (the relay, republishing): the copies then stay erasable, and consumers open them with the keys.
   */
  sealed?: boolean;
}

/**
 * EventStoreDB when a URL is configured, otherwise the embedded SQLite file `<dataDir>/events.sqlite`;
 * wrapped in a CryptoShreddingEventStore (personal fields encrypted with the customer's data key on append,
 * decrypted on read, absent once the key is destroyed), itself wrapped in an UpcastingEventStore so every
 * reader gets each event in its type's current schema version (CUSTOMER_SCHEMA_VERSIONS), whichever version
 * it was written in. Upcasters see the decrypted data.
 */
export function createEventStore(settings: EventStoreSettings): EventStore {
  const adapter = createEventStoreAdapter(settings);
  if (settings.raw) return adapter;
  return composeEventStore(adapter, settings.keyStore ?? createKeyStore(settings), settings);
}

/**
 * The decorators over an adapter. Two compositions may share one adapter and key store (the apps' opened
 * and sealed views); closing either closes both.
 */
export function composeEventStore(
  adapter: EventStore,
  keyStore: KeyStore,
  options: { sealed?: boolean } = {},
): EventStore {
  const shredding = new CryptoShreddingEventStore(adapter, keyStore, { openOnRead: !options.sealed });
  return new UpcastingEventStore(shredding, customerUpcasters);
}

/** The embedded key store `<dataDir>/keys.sqlite` (created when missing). */
export function createKeyStore(settings: { dataDir: string }): KeyStore {
  mkdirSync(settings.dataDir, { recursive: true });
  return new SqliteKeyStore(join(settings.dataDir, 'keys.sqlite'));
}

/** The bare adapter: EventStoreDB when a URL is set, else `<dataDir>/events.sqlite`. */
export function createEventStoreAdapter(settings: EventStoreSettings): EventStore {
  if (settings.eventStoreUrl) return EsdbEventStore.fromConnectionString(settings.eventStoreUrl);
  mkdirSync(settings.dataDir, { recursive: true });
  return new SqliteEventStore(join(settings.dataDir, 'events.sqlite'), {
    synchronous: settings.durability === 'normal' ? 'NORMAL' : 'FULL',
  });
}
