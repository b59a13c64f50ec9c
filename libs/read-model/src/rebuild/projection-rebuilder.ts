import type { EventStore, RecordedEvent } from '@crm/event-store';
import type { DataSource } from 'typeorm';
import { RebuildLeases, type RebuildRecord } from './rebuild-lease.repository';
import { measureProgress, type RebuildProgress } from './rebuild-progress';
import { RebuildInterruptedError } from './rebuild.errors';
import type { RebuildableProjection, ShadowBuild, SkippedEvent } from './rebuildable-projection';

export interface RebuildOptions {
  /** Discard any shadow an unfinished run left and start from the first event. */
  readonly fromScratch?: boolean;
  /** Events per readAll and per shadow transaction. Default: the projection's rebuildBatchSize, else 5,000. */
  readonly batchSize?: number;
  /** Stops after the batch in hand; the shadow and its checkpoint stay for a resume. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Called once the lease is held, before the first batch (the API answers 202 then). */
  readonly onStarted?: (progress: RebuildProgress) => void;
}

export interface RebuildResult extends RebuildProgress {
  /** True when this run continued a shadow an earlier, unfinished run left. */
  readonly resumed: boolean;
  /** Events the swap applied on top of the shadow (appended while it was built). */
  readonly caughtUpInSwap: number;
  /** Events left out because they can never be applied (by this run; a resumed run's earlier part not). */
  readonly skipped: readonly SkippedEvent[];
}

export interface ProjectionRebuilderOptions {
  /** Identity in the lease (host and pid, or WORKER_ID). */
  readonly owner: string;
  /** A rebuild that stops renewing its lease for this long can be replaced. */
  readonly leaseTtlMs: number;
}

export const DEFAULT_REBUILD_BATCH = 5_000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How the previous run ended decides whether its shadow is worth resuming. */
const resumable = (previous: RebuildRecord | undefined): boolean =>
  previous !== undefined && previous.status !== 'completed';

/**
 * Rebuilds a projection from the event store while its live version keeps serving:
 *
 * 1. takes the projection's lease (`projection_rebuilds`; a second rebuild gets RebuildAlreadyRunningError);
 * 2. opens the shadow: the one an unfinished run left (resume after its checkpoint) unless `fromScratch`
 *    or the last run completed (its shadow was consumed by the swap);
 * 3. reads the store directly with readAll in large batches, applies each to the shadow together with the
 *    shadow's own checkpoint, renews the lease and reports progress;
 * 4. once a batch comes back short (the head as of that read), swaps: the projection applies the events
 *    appended since inside its atomic swap, so nothing the live projector applied is lost;
 * 5. retires the old projection and marks the run completed.
 *
 * The lease is renewed on a timer too, so a long swap does not lose it. An abort leaves status
 * `interrupted`, an error `failed` with the reason; either way the lease is released at once.
 */
export class ProjectionRebuilder {
  private readonly leases: RebuildLeases;

  constructor(
    private readonly store: EventStore,
    readModel: DataSource,
    private readonly options: ProjectionRebuilderOptions,
  ) {
    this.leases = new RebuildLeases(readModel);
  }

  async rebuild(projection: RebuildableProjection, options: RebuildOptions = {}): Promise<RebuildResult> {
    const { owner, leaseTtlMs } = this.options;
    const name = projection.name;
    const batchSize = options.batchSize ?? projection.rebuildBatchSize ?? DEFAULT_REBUILD_BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError('batchSize must be an integer >= 1');
    const previous = await this.leases.acquire(name, owner, leaseTtlMs);
    const started = Date.now();
    let leaseError: unknown;
    const heartbeat = setInterval(
      () =>
        void this.leases.progress(name, owner, leaseTtlMs, {}).catch((error: unknown) => {
          leaseError ??= error;
        }),
      Math.max(50, Math.floor(leaseTtlMs / 3)),
    );
    heartbeat.unref();

    let shadow: ShadowBuild | undefined;
    let position = 0n;
    let applied = 0;
    const skipped: SkippedEvent[] = [];
    let phase: RebuildProgress['phase'] = 'building';
    try {
      const fresh = options.fromScratch === true || !resumable(previous);
      shadow = await projection.openShadow({ fresh });
      let target = await this.store.headPosition();
      if (shadow.position > target) {
        // The shadow is ahead of the store (the store was replaced): it cannot be resumed.
        await shadow.close();
        shadow = await projection.openShadow({ fresh: true });
      }
      const startPosition = shadow.position;
      position = startPosition;
      const progress = () =>
        measureProgress({
          projection: name,
          startPosition,
          position,
          targetPosition: target > position ? target : position,
          eventsApplied: applied,
          elapsedMs: Date.now() - started,
          phase,
        });
      /** After events were applied: the target follows a growing store; the lease and the caller hear of it. */
      const reportProgress = async () => {
        if (position > target) target = await this.store.headPosition();
        await this.leases.progress(name, owner, leaseTtlMs, {
          position,
          targetPosition: target > position ? target : position,
          eventsApplied: applied,
        });
        options.onProgress?.(progress());
      };
      await this.leases.progress(name, owner, leaseTtlMs, {
        startPosition,
        position,
        targetPosition: target,
      });
      options.onStarted?.(progress());

      if (shadow.load) {
        const loadedFrom = position;
        const loaded = await shadow.load({
          read: (after, maxCount) => this.read(projection, after, maxCount),
          progress: async (at, events) => {
            this.checkpointOrStop(options.signal, name, position, leaseError);
            position = at > loadedFrom ? at : loadedFrom;
            applied = events;
            await reportProgress();
          },
        });
        position = loaded.position > loadedFrom ? loaded.position : loadedFrom;
        applied = loaded.events;
        skipped.push(...loaded.skipped);
      }

      let next: Promise<RecordedEvent[]> | undefined;
      for (;;) {
        this.checkpointOrStop(options.signal, name, position, leaseError);
        const batch = await (next ?? this.read(projection, position, batchSize));
        next = undefined;
        if (batch.length > 0) {
          const last = batch[batch.length - 1].globalPosition;
          const applying = shadow.apply(batch, last);
          // Read the next batch while this one is written: a store that writes on threads of its own (the
          // ClickHouse engine, a database server) then overlaps with the reading and decoding done here.
          // After a turn of the event loop, so the write has been handed over before the read takes the thread.
          if (batch.length === batchSize) {
            next = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
              this.read(projection, last, batchSize),
            );
            next.catch(() => undefined); // awaited next turn; a failure here surfaces there
          }
          skipped.push(...(await applying).skipped);
          position = last;
          applied += batch.length;
          await reportProgress();
        }
        if (batch.length < batchSize) break; // the head, as of this read: swap and catch up inside it
        // The embedded adapters are synchronous under their promises: without a real turn of the event
        // loop here, a rebuild would starve this process's HTTP requests, timers (the lease heartbeat)
        // and signal handlers (Ctrl-C) until it ends.
        await yieldToEventLoop();
      }

      this.checkpointOrStop(options.signal, name, position, leaseError);
      phase = 'swapping';
      options.onProgress?.(progress());
      const swapped = await shadow.swap({
        readBatch: (after) => this.read(projection, after, batchSize),
        confirmLease: (within) => this.leases.confirm(name, owner, leaseTtlMs, within),
      });
      position = swapped.position;
      applied += swapped.events;
      skipped.push(...swapped.skipped);
      target = position;
      phase = 'done';
      await this.leases.finish(name, owner, { status: 'completed', position, eventsApplied: applied });
      await shadow.retire();
      const result = progress();
      options.onProgress?.(result);
      return { ...result, resumed: startPosition > 0n, caughtUpInSwap: swapped.events, skipped };
    } catch (error) {
      const interrupted = error instanceof RebuildInterruptedError;
      await this.leases
        .finish(name, owner, {
          status: interrupted ? 'interrupted' : 'failed',
          position,
          eventsApplied: applied,
          ...(interrupted ? {} : { error: (error as Error).message ?? String(error) }),
        })
        .catch(() => undefined); // lease already lost: the new holder owns the row now
      throw error;
    } finally {
      clearInterval(heartbeat);
      await shadow?.close().catch(() => undefined);
    }
  }

  private read(projection: RebuildableProjection, after: bigint, maxCount: number): Promise<RecordedEvent[]> {
    return this.store.readAll({
      after: after > 0n ? after : undefined,
      maxCount,
      streamPrefix: projection.streamPrefix,
    });
  }

  private checkpointOrStop(
    signal: AbortSignal | undefined,
    name: string,
    position: bigint,
    leaseError: unknown,
  ): void {
    if (leaseError) throw leaseError;
    if (signal?.aborted) throw new RebuildInterruptedError(name, position);
  }
}
