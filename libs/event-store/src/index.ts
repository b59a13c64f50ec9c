export * from './event-store.port';
export * from './event-store.errors';
export { EsdbEventStore } from './esdb/esdb.event-store';
export type { EsdbEventStoreOptions } from './esdb/esdb.event-store';
export { SqliteEventStore } from './sqlite/sqlite.event-store';
export type { SqliteEventStoreOptions } from './sqlite/sqlite.event-store';
export {
  composeEventStore,
  createEventStore,
  createEventStoreAdapter,
  createKeyStore,
} from './event-store.factory';
export type { EventStoreSettings } from './event-store.factory';
export * from './upcasting';
export * from './observed.event-store';
export * from './erasure';
export * from './event-store.module';
