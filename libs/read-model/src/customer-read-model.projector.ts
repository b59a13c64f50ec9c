import { CUSTOMER_STREAM_PREFIX, customerIdFromStream } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { applyEventToRow, newCustomerRow, newSpendRow } from './customer-row.apply';
import { CustomerSpendEntity } from './entities/customer-spend.entity';
import { CustomerEntity } from './entities/customer.entity';
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
import { isPostgres } from './sql-dialect';

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
}

/** Rows touched by one batch: loaded once, changed in memory, written back in a few statements. */
export interface BatchState {
  readonly rows: Map<string, CustomerEntity>;
  readonly existing: Set<string>;
  readonly spend: Map<string, CustomerSpendEntity>;
  readonly dirtyRows: Set<string>;
  readonly dirtySpend: Set<string>;
}

const MAX_ATTEMPTS = 5;
/** unique_violation (same new customer inserted by two writers), deadlock, serialization; SQLite busy. */
const TRANSIENT_CODES = new Set(['23505', '40P01', '40001', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT']);
const isTransientConflict = (error: unknown): boolean =>
  error instanceof QueryFailedError &&
  TRANSIENT_CODES.has(String((error.driverError as { code?: unknown } | undefined)?.code));

const ID_CHUNK = 500;
/** Rows per multi-row INSERT: ~30 columns each stays far below SQLite's 32,766 bound parameters. */
const WRITE_CHUNK = 200;
const spendKey = (customerId: string, currency: string) => `${customerId}\u0000${currency}`;
const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * Projects customer events into the Customer 360 tables. Idempotent per event (`stream_revision` guard),
 * one transaction per batch covering rows and checkpoint/offsets, a handful of statements per batch.
 */
export class CustomerReadModelProjector {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: CustomerReadModelProjectorOptions = {},
  ) {}

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
    const customerEvents = events.filter((e) => e.streamId.startsWith(CUSTOMER_STREAM_PREFIX));
    const state = await this.load(manager, [
      ...new Set(customerEvents.map((e) => customerIdFromStream(e.streamId))),
    ]);

    let applied = 0;
    for (const event of customerEvents) {
      const customerId = customerIdFromStream(event.streamId);
      const row = state.rows.get(customerId) ?? newCustomerRow(customerId, now);
      state.rows.set(customerId, row);
      if (event.streamRevision <= row.streamRevision) continue; // redelivered: already in the row
      if (!this.options.allowGaps && event.streamRevision !== row.streamRevision + 1) {
        throw new StreamGapError(event.streamId, row.streamRevision + 1, event.streamRevision);
      }
      applyEventToRow(row, event, (currency) => {
        const key = spendKey(customerId, currency);
        const spend = state.spend.get(key) ?? newSpendRow(customerId, currency);
        state.spend.set(key, spend);
        state.dirtySpend.add(key);
        return spend;
      });
      row.streamRevision = event.streamRevision;
      row.lastGlobalPosition = event.globalPosition.toString();
      row.updatedAt = now;
      state.dirtyRows.add(customerId);
      applied += 1;
    }

    await this.writeRows(manager, state);
    const position =
      checkpoint?.position ??
      events.reduce<bigint | undefined>(
        (max, e) => (max === undefined || e.globalPosition > max ? e.globalPosition : max),
        undefined,
      );
    if (checkpoint) await this.writeCheckpoint(manager, checkpoint, position, now);
    return { applied, skipped: events.length - applied, position: checkpoint ? position : undefined };
  }

  /** One query per 500 customers for rows, one for their spend; rows locked on PostgreSQL. */
  private async load(manager: EntityManager, customerIds: string[]): Promise<BatchState> {
    const state: BatchState = {
      rows: new Map(),
      existing: new Set(),
      spend: new Map(),
      dirtyRows: new Set(),
      dirtySpend: new Set(),
    };
    for (const ids of chunks(customerIds, ID_CHUNK)) {
      const query = manager
        .getRepository(CustomerEntity)
        .createQueryBuilder('c')
        .where('c.customerId IN (:...ids)', { ids })
        .orderBy('c.customerId'); // lock in one order: concurrent batches cannot deadlock
      // Per-customer order is the bus's job (one consumer per key); the lock makes a stray concurrent batch
      // wait instead of overwriting. A new customer inserted twice fails on the primary key and is retried.
      if (isPostgres(manager.connection)) query.setLock('pessimistic_write');
      for (const row of await query.getMany()) {
        state.rows.set(row.customerId, row);
        state.existing.add(row.customerId);
      }
      const spendRows = await manager
        .getRepository(CustomerSpendEntity)
        .createQueryBuilder('s')
        .where('s.customerId IN (:...ids)', { ids })
        .getMany();
      for (const spend of spendRows) state.spend.set(spendKey(spend.customerId, spend.currency), spend);
    }
    return state;
  }

  /** Multi-row INSERT for new customers, multi-row upserts for changed ones and their spend. */
  protected async writeRows(manager: EntityManager, state: BatchState): Promise<void> {
    const dirty = [...state.dirtyRows].map((id) => state.rows.get(id) as CustomerEntity);
    const inserts = dirty.filter((r) => !state.existing.has(r.customerId));
    const updates = dirty.filter((r) => state.existing.has(r.customerId));
    const updatable = manager.connection
      .getMetadata(CustomerEntity)
      .columns.filter((c) => !c.isPrimary)
      .map((c) => c.databaseName);

    for (const rows of chunks(inserts, WRITE_CHUNK)) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(CustomerEntity)
        .values(rows)
        .updateEntity(false)
        .execute();
    }
    for (const rows of chunks(updates, WRITE_CHUNK)) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(CustomerEntity)
        .values(rows)
        .orUpdate(updatable, ['customer_id'])
        .updateEntity(false)
        .execute();
    }
    const spend = [...state.dirtySpend].map((key) => state.spend.get(key) as CustomerSpendEntity);
    for (const rows of chunks(spend, WRITE_CHUNK)) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(CustomerSpendEntity)
        .values(rows)
        .orUpdate(['total_minor', 'purchases'], ['customer_id', 'currency'])
        .updateEntity(false)
        .execute();
    }
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
