/**
 * Where the per-customer data keys live (crypto-shredding). Adapter: `sqlite/` (a file of its own under
 * DATA_DIR). Events are immutable, so erasing personal data means destroying the key it was encrypted
 * with: the key store is the only mutable place that holds anything personal.
 *
 * Implementations must not cache keys across calls: another process (the API) may destroy a key that this
 * one (the worker) still reads with, and the erasure must hold from that moment.
 */
export interface DataKey {
  readonly keyId: string;
  /** 32 bytes, AES-256. */
  readonly key: Buffer;
}

export interface KeyStore {
  /** The subject's live key, created on first use. Throws DataKeyDestroyedError once it was destroyed. */
  keyFor(subjectId: string): Promise<DataKey>;
  /**
   * keyFor for many subjects at once (bulk appends): every subject's live key, the missing ones created
   * together (the SQLite store: one transaction, so one fsync for the lot, not one per new subject).
   * Throws DataKeyDestroyedError, naming the first such subject, when any of them was destroyed; then no
   * key of the call is created. Duplicates in the input are fine; the map has one entry per subject.
   */
  keysFor(subjectIds: readonly string[]): Promise<Map<string, DataKey>>;
  /** The key with this id, or undefined when it was destroyed (or never existed). */
  find(keyId: string): Promise<Buffer | undefined>;
  /** Destroys the subject's key for good; true when there was a live key. Idempotent. */
  destroy(subjectId: string): Promise<boolean>;
  close(): Promise<void>;
}

export const KEY_STORE = Symbol('KEY_STORE');
/**
 * The event store with personal data left sealed on read (the relay publishes from it, so the bus never
 * carries personal data in clear). Shares EVENT_STORE's adapter; appends are sealed as through EVENT_STORE.
 */
export const SEALED_EVENT_STORE = Symbol('SEALED_EVENT_STORE');

/** Appending personal data for a subject whose key was destroyed would store it unerasable: refused. */
export class DataKeyDestroyedError extends Error {
  readonly code = 'DATA_KEY_DESTROYED';

  constructor(readonly subjectId: string) {
    super(
      `The data key of ${subjectId} was destroyed (personal data erased): no new personal data is stored`,
    );
    this.name = 'DataKeyDestroyedError';
  }
}
