import type { RecordedEvent } from '@crm/event-store';
import type { EntityManager } from 'typeorm';

/**
 * What a projection offers to be rebuilt from the event store while its live version keeps serving. The
 * ProjectionRebuilder drives it (lease, batches, progress, resume); the projection knows its storage.
 * The read model implements it with shadow tables (CustomerReadModelRebuild); another store (ClickHouse)
 * plugs in by implementing these few methods.
 */
export interface RebuildableProjection {
  /** Stable name: checkpoint name, `crm replay <name>`, `/v1/admin/projections/<name>`. */
  readonly name: string;
  /** Shorter names the CLI and the admin API accept too (`read-model`). */
  readonly aliases?: readonly string[];
  /** Events per store read and shadow write when the caller sets none (default DEFAULT_REBUILD_BATCH). */
  readonly rebuildBatchSize?: number;
  /** Only streams starting with this are read (readAll's streamPrefix); undefined: every stream. */
  readonly streamPrefix?: string;
  /** Position the live projection has reached (its checkpoint), undefined before its first event. */
  livePosition(): Promise<bigint | undefined>;
  /**
   * The shadow to build into: a new empty one when `fresh`, otherwise the one an unfinished run left
   * (or a new one if there is none). Whatever the shadow holds is covered by its `position`.
   */
  openShadow(options: { fresh: boolean }): Promise<ShadowBuild>;
}

export interface ShadowBuild {
  /** Position the shadow covers (0n when empty); the build resumes after it. */
  readonly position: bigint;
  /**
   * Applies a batch to the shadow and moves the shadow's own checkpoint to `position`, atomically. Events
   * the projection can never apply (the live projector dead-letters them) are left out and returned, so one
   * bad event in years of history does not make the projection impossible to rebuild.
   */
  apply(events: readonly RecordedEvent[], position: bigint): Promise<{ skipped: readonly SkippedEvent[] }>;
  /**
   * Optional bulk path, run before the batches: the shadow fills itself straight from the store (a store
   * its engine can read itself), moving its own checkpoint as it goes, and returns where it got; the
   * batches then continue from there. Between its steps it calls `progress` (which throws to stop it).
   */
  load?(
    context: LoadContext,
  ): Promise<{ position: bigint; events: number; skipped: readonly SkippedEvent[] }>;
  /**
   * Makes the shadow the live projection in ONE atomic step, which also applies whatever was appended
   * since the shadow's position (read with `context.readBatch` until it comes back empty) while the live
   * projector is held off, and confirms the lease inside the step where the storage allows. Returns the
   * position the live projection now covers. A failure leaves the old projection live and the shadow as
   * it was (the next run resumes).
   */
  swap(context: SwapContext): Promise<{ position: bigint; events: number; skipped: readonly SkippedEvent[] }>;
  /** Drops the replaced projection and what is left of the shadow. Only after a successful swap. */
  retire(): Promise<void>;
  /** Releases connections; keeps the shadow for a resume. Idempotent. */
  close(): Promise<void>;
}

/** An event left out of a rebuild because it can never be applied (malformed data). */
export interface SkippedEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly globalPosition: bigint;
  readonly reason: string;
}

export interface LoadContext {
  /** Events after a position, in global order, at most `maxCount` (the store's decoding, upcasting, opening). */
  read(after: bigint, maxCount: number): Promise<readonly RecordedEvent[]>;
  /** Reports the position and events loaded so far; throws when the rebuild must stop (abort, lost lease). */
  progress(position: bigint, events: number): Promise<void>;
}

export interface SwapContext {
  /** Next events after a position, in global order (empty when the store has nothing newer). */
  readBatch(after: bigint): Promise<readonly RecordedEvent[]>;
  /**
   * Throws RebuildLeaseLostError when this rebuild no longer holds the lease. Given the swap's
   * transaction (read-model database), the check is part of it.
   */
  confirmLease(within?: EntityManager): Promise<void>;
}
