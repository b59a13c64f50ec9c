import type { CustomerStreamState } from './customer-stream.repository';

/**
 * The decider's state of recently written customers, with the revision it was folded up to: a bounded LRU
 * (least recently used streams leave first). It is only ever a starting point: the repository reads the
 * events after the cached revision before deciding, and the expected revision at append guards against
 * writers it did not see (other processes), so a stale entry costs a retry, never a wrong decision.
 */
export class DeciderStateCache {
  private readonly entries = new Map<string, CustomerStreamState>();

  /** @param capacity streams kept; 0 turns the cache off. */
  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 0))
      throw new RangeError('capacity must be an integer >= 0');
  }

  get size(): number {
    return this.entries.size;
  }

  get(customerId: string): CustomerStreamState | undefined {
    const entry = this.entries.get(customerId);
    if (entry === undefined) return undefined;
    // Map keeps insertion order: re-inserting makes this the most recently used.
    this.entries.delete(customerId);
    this.entries.set(customerId, entry);
    return entry;
  }

  /** Keeps the newer of the cached and the given state (by revision), evicting the oldest beyond capacity. */
  set(entry: CustomerStreamState): void {
    if (this.capacity === 0) return;
    const cached = this.entries.get(entry.customerId);
    if (cached !== undefined && cached.revision > entry.revision) return;
    this.entries.delete(entry.customerId);
    this.entries.set(entry.customerId, entry);
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  /** Forgets a stream (after a conflict: the next load reads it whole). */
  delete(customerId: string): void {
    this.entries.delete(customerId);
  }

  has(customerId: string): boolean {
    return this.entries.has(customerId);
  }
}
