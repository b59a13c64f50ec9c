import { CUSTOMER_STREAM_PREFIX, customerIdFromStream } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { evolveCustomer, initialCustomerState, type CustomerState } from './customer-summary.fold';
import { runExclusive } from './exclusive-access';
import {
  readCheckpoint,
  readOffsets,
  writeCheckpoint,
  writeOffsets,
  type PartitionOffset,
  type ProjectionCheckpoint,
} from './projection-checkpoint.repository';
import { StreamGapError } from './read-model.errors';
import { customerRowsStoreFor, type CustomerRowsStore, type SpendWrite } from './rows/customer-rows.store';

const spendKey = (customerId: string, currency: string) => `${customerId}\u0000${currency}`;

export interface ApplyCheckpoint {
  readonly projection: string;
  /** Position covered by the batch. Default: the highest `globalPosition` in it. */
  readonly position?: bigint;
  /** Kafka offsets covered by the batch, stored with the data. */
  readonly offsets?: readonly PartitionOffset[];
}

export interface ApplyResult {
  /** Events that changed the read model (unknown types included: they advance the revision). */
  readonly applied: number;
  /** Events already applied before (redelivery), or not from a customer stream. */
  readonly skipped: number;
  /** Position written to the checkpoint, if any. */
  readonly position?: bigint;
}

export interface CustomerReadModelProjectorOptions {
  /**
   * Apply an event even when revisions before it were never seen. Off by default: a gap means lost events,
   * and applying past it would silently make the read model differ from the stream.
   */
  readonly allowGaps?: boolean;
  /**
   * Nothing else writes these tables (a rebuild's shadow, which its lease keeps to one builder): rows are
   * read without locking them. Off by default: the live tables can have a stray concurrent writer.
   */
  readonly soleWriter?: boolean;
}

const MAX_ATTEMPTS = 5;
/** unique_violation (same new customer inserted by two writers), deadlock, serialization; SQLite busy. */
const TRANSIENT_CODES = new Set(['23505', '40P01', '40001', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT']);
const isTransientConflict = (error: unknown): boolean =>
  error instanceof QueryFailedError &&
  TRANSIENT_CODES.has(String((error.driverError as { code?: unknown } | undefined)?.code));

/**
 * Projects customer events into the Customer 360 tables. Per batch, in one transaction: loads the touched
 * customers' rows once, folds every event of the batch into them in memory (`evolveCustomer`, the one
 * definition of the rule), writes each changed customer once (a few multi-row statements), and stores the
 * checkpoint/offsets with them. Idempotent per event: an event at or below the row's `stream_revision` is
 * already in it and is skipped.
 */
export class CustomerReadModelProjector {
  private readonly rows: CustomerRowsStore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: CustomerReadModelProjectorOptions = {},
  ) {
    this.rows = customerRowsStoreFor(dataSource);
  }

  apply(events: readonly RecordedEvent[], checkpoint?: ApplyCheckpoint): Promise<ApplyResult> {
    return runExclusive(this.dataSource, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.dataSource.transaction((manager) =>
            this.applyInTransaction(manager, events, checkpoint),
          );
        } catch (error) {
          // A concurrent writer got there first: the retry reloads the rows and skips what it already applied.
          if (attempt >= MAX_ATTEMPTS || !isTransientConflict(error)) throw error;
        }
      }
    });
  }

  /**
   * Applies a batch inside the caller's transaction: no retry, no SQLite queueing (the caller holds it).
   * For a batch that must be part of a larger atomic step: a rebuild's final catch-up within its swap.
   */
  applyWithin(
    manager: EntityManager,
    events: readonly RecordedEvent[],
    checkpoint?: ApplyCheckpoint,
  ): Promise<ApplyResult> {
    return this.applyInTransaction(manager, events, checkpoint);
  }

  getCheckpoint(projection: string): Promise<ProjectionCheckpoint | null> {
    return runExclusive(this.dataSource, () => readCheckpoint(this.dataSource, projection));
  }

  getOffsets(projection: string, topic: string): Promise<PartitionOffset[]> {
    return runExclusive(this.dataSource, () => readOffsets(this.dataSource, projection, topic));
  }

  private async applyInTransaction(
    manager: EntityManager,
    events: readonly RecordedEvent[],
    checkpoint: ApplyCheckpoint | undefined,
  ): Promise<ApplyResult> {
    const now = new Date().toISOString();
    const ids: string[] = [];
    const customerOf: (string | undefined)[] = new Array<string | undefined>(events.length);
    const seen = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const streamId = events[i].streamId;
      if (!streamId.startsWith(CUSTOMER_STREAM_PREFIX)) continue; // other categories: skipped
      const id = customerIdFromStream(streamId);
      customerOf[i] = id;
      if (!seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
    }
    ids.sort(); // PostgreSQL locks rows in this order
    const stored = await this.rows.load(manager, ids, { lock: !this.options.soleWriter });
    // What each stored customer had bought per currency when loaded: a spend row is written only if it moved.
    const loadedPurchases = new Map<string, number>();
    for (const state of stored.values())
      for (const [currency, spend] of state.spend)
        loadedPurchases.set(spendKey(state.customerId, currency), spend.purchases);

    const fresh = new Map<string, CustomerState>();
    const changed = new Set<string>();
    let applied = 0;
    for (let i = 0; i < events.length; i++) {
      const customerId = customerOf[i];
      if (customerId === undefined) continue;
      const event = events[i];
      let state = stored.get(customerId) ?? fresh.get(customerId);
      if (!state) fresh.set(customerId, (state = initialCustomerState(customerId)));
      if (event.streamRevision <= state.streamRevision) continue; // redelivered: already in the row
      if (!this.options.allowGaps && event.streamRevision !== state.streamRevision + 1) {
        throw new StreamGapError(event.streamId, state.streamRevision + 1, event.streamRevision);
      }
      evolveCustomer(state, event);
      changed.add(customerId);
      applied += 1;
    }

    const inserts: CustomerState[] = [];
    const updates: CustomerState[] = [];
    const spend: SpendWrite[] = [];
    for (const customerId of changed) {
      const existing = stored.get(customerId);
      const state = existing ?? (fresh.get(customerId) as CustomerState);
      (existing ? updates : inserts).push(state);
      for (const [currency, s] of state.spend) {
        if (loadedPurchases.get(spendKey(customerId, currency)) === s.purchases) continue;
        spend.push({ customerId, currency, totalMinor: s.totalMinor, purchases: s.purchases });
      }
    }
    await this.rows.write(manager, { inserts, updates, spend, updatedAt: now });

    const position =
      checkpoint?.position ??
      events.reduce<bigint | undefined>(
        (max, e) => (max === undefined || e.globalPosition > max ? e.globalPosition : max),
        undefined,
      );
    if (checkpoint) await this.writeCheckpoint(manager, checkpoint, position, now);
    return { applied, skipped: events.length - applied, position: checkpoint ? position : undefined };
  }

  /** Same transaction as the rows: after a crash, data and checkpoint are both there or both not. */
  protected async writeCheckpoint(
    manager: EntityManager,
    checkpoint: ApplyCheckpoint,
    position: bigint | undefined,
    now: string,
  ): Promise<void> {
    if (position !== undefined) await writeCheckpoint(manager, checkpoint.projection, position, now);
    if (checkpoint.offsets?.length)
      await writeOffsets(manager, checkpoint.projection, checkpoint.offsets, now);
  }
}
