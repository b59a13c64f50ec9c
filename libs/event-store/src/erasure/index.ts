export * from './key-store.port';
export * from './personal-data.cipher';
export { CryptoShreddingEventStore } from './crypto-shredding.event-store';
export { PersonalDataOpener, SEALED_FIELD, SealedPersonalDataError } from './personal-data.opener';
export { SqliteKeyStore } from './sqlite/sqlite.key-store';
