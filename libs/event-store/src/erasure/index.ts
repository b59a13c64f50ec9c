export * from './key-store.port';
export * from './personal-data.cipher';
export { CryptoShreddingEventStore, SEALED_FIELD } from './crypto-shredding.event-store';
export { SqliteKeyStore } from './sqlite/sqlite.key-store';
