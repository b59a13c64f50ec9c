import { CUSTOMER_STREAM_PREFIX } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import type { DataSource } from 'typeorm';
import { CustomerReadModelProjector } from '../customer-read-model.projector';
import { runExclusive } from '../exclusive-access';
import { readCheckpoint, writeCheckpoint } from '../projection-checkpoint.repository';
import { CUSTOMER_READ_MODEL_PROJECTION } from '../read-model.constants';
import { MalformedEventError } from '../read-model.errors';
import { isPostgres } from '../sql-dialect';
import { PostgresShadowTables } from './postgres.shadow-tables';
import type { RebuildableProjection, ShadowBuild, SkippedEvent, SwapContext } from './rebuildable-projection';
import type { ShadowTables } from './shadow-tables';
import { SqliteShadowTables } from './sqlite.shadow-tables';

/**
 * The Customer 360 read model as a RebuildableProjection. The shadow is built by the very projector the
 * live side runs (same SQL, same idempotency guard), against a shadow database that has its own
 * checkpoint: a killed build resumes after the last committed batch.
 *
 * After the swap the live projector carries on from its bus offsets, untouched, and that is exact:
 * - nothing is skipped: every event the live projector had applied (and acknowledged) before the swap was
 *   in the event store before the swap took its lock, and the swap applies everything up to the store's
 *   head inside the lock, so the new tables hold it;
 * - nothing is applied twice: each row carries its stream revision, so whatever the bus delivers again
 *   (events the new tables already hold) is skipped, and whatever is newer is applied as usual.
 * Rewinding the offsets would only redeliver events to be skipped; moving them to the end would skip events
 * appended after the swap. The projection's checkpoint is moved (monotonically) to the swap's position.
 */
export class CustomerReadModelRebuild implements RebuildableProjection {
  readonly name = CUSTOMER_READ_MODEL_PROJECTION;
  readonly aliases = ['read-model'];
  readonly streamPrefix = CUSTOMER_STREAM_PREFIX;
  private readonly tables: ShadowTables;

  constructor(private readonly live: DataSource) {
    this.tables = isPostgres(live) ? new PostgresShadowTables(live) : new SqliteShadowTables(live);
  }

  livePosition(): Promise<bigint | undefined> {
    return runExclusive(this.live, async () => (await readCheckpoint(this.live, this.name))?.position);
  }

  async openShadow({ fresh }: { fresh: boolean }): Promise<ShadowBuild> {
    const shadow = await this.tables.open(fresh);
    try {
      const position = (await readCheckpoint(shadow, this.name))?.position ?? 0n;
      return new ReadModelShadowBuild(this.name, this.live, shadow, this.tables, position);
    } catch (error) {
      await shadow.destroy();
      throw error;
    }
  }
}

/**
 * Applies a batch, leaving out each event the projector rejects as malformed (as the live projector
 * dead-letters it), then the rest again. Other errors (a stream gap, the database) fail the batch.
 */
async function withoutMalformed(
  events: readonly RecordedEvent[],
  apply: (events: readonly RecordedEvent[]) => Promise<unknown>,
): Promise<{ skipped: SkippedEvent[] }> {
  const skipped: SkippedEvent[] = [];
  let batch = events;
  for (;;) {
    try {
      await apply(batch);
      return { skipped };
    } catch (error) {
      const at =
        error instanceof MalformedEventError ? batch.findIndex((e) => e.eventId === error.eventId) : -1;
      if (at < 0) throw error;
      const { eventId, streamId, globalPosition } = batch[at];
      skipped.push({ eventId, streamId, globalPosition, reason: (error as Error).message });
      batch = [...batch.slice(0, at), ...batch.slice(at + 1)];
    }
  }
}

class ReadModelShadowBuild implements ShadowBuild {
  private readonly projector: CustomerReadModelProjector;

  constructor(
    private readonly name: string,
    private readonly live: DataSource,
    private readonly shadow: DataSource,
    private readonly tables: ShadowTables,
    readonly position: bigint,
  ) {
    // The lease keeps the shadow to this one builder: no row locks needed.
    this.projector = new CustomerReadModelProjector(shadow, { soleWriter: true });
  }

  apply(events: readonly RecordedEvent[], position: bigint): Promise<{ skipped: SkippedEvent[] }> {
    return withoutMalformed(events, (batch) =>
      this.projector.apply(batch, { projection: this.name, position }),
    );
  }

  async swap(context: SwapContext): Promise<{ position: bigint; events: number; skipped: SkippedEvent[] }> {
    await this.close(); // the swap reads the shadow through the live connection
    const liveProjector = new CustomerReadModelProjector(this.live);
    return this.tables.swap(async (manager, shadowPosition) => {
      await context.confirmLease(manager);
      let position = shadowPosition;
      let events = 0;
      const skipped: SkippedEvent[] = [];
      for (;;) {
        const batch = await context.readBatch(position);
        if (batch.length === 0) break;
        const last = batch[batch.length - 1].globalPosition;
        // A malformed event fails in memory, before any write: the transaction can go on without it.
        const outcome = await withoutMalformed(batch, (kept) =>
          liveProjector.applyWithin(manager, kept, { projection: this.name, position: last }),
        );
        skipped.push(...outcome.skipped);
        position = last;
        events += batch.length;
      }
      await writeCheckpoint(manager, this.name, position, new Date().toISOString());
      return { position, events, skipped };
    });
  }

  retire(): Promise<void> {
    return this.tables.retire();
  }

  async close(): Promise<void> {
    if (this.shadow.isInitialized) await this.shadow.destroy();
  }
}
