import { ANALYTICS_PROJECTION, AnalyticsProjector, AnalyticsSchema } from '@crm/analytics';
import { AppConfig } from '@crm/config';
import { CUSTOMER_STREAM_PREFIX } from '@crm/domain';
import { EVENT_STORE, EventStore } from '@crm/event-store';
import { KafkaTopicEnds } from '@crm/messaging';
import {
  contiguousPosition,
  CUSTOMER_READ_MODEL_PROJECTION,
  CustomerQueries,
  READ_MODEL_DATA_SOURCE,
  readOffsets,
  readRelayLease,
  runExclusive,
} from '@crm/read-model';
import { ANALYTICS_REPORTED_CHECKPOINT } from '@crm/projections';
import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * The analytics checkpoint: from ClickHouse; or, when this process cannot read the store, as the worker last
 * reported it (`reported` says why); or unknown (`reason`).
 */
interface AnalyticsRead {
  readonly position?: bigint;
  readonly reported?: string;
  readonly reason?: string;
}

/**
 * How a stage is doing: `live` (caught up, or behind by less than PIPELINE_LAGGING_AFTER_MS), `lagging` (its
 * oldest unhandled event is older than that, and it moves), `stalled` (behind by more than
 * PIPELINE_STALLED_AFTER_MS and its position has not moved for that long), `unavailable` (its position cannot
 * be read from this process: `reason` says why).
 */
export type StageState = 'live' | 'lagging' | 'stalled' | 'unavailable';
export const STAGE_STATES: readonly StageState[] = ['live', 'lagging', 'stalled', 'unavailable'];

export interface StageLag {
  readonly name: string;
  readonly state: StageState;
  /** Why the stage is stalled or unavailable. */
  readonly reason?: string;
  readonly kind: 'relay' | 'projection';
  /** Last global position handled (decimal string), null before the first event. */
  readonly position: string | null;
  readonly headPosition: string;
  /** Customer events in the store after `position`: exact, unless `lagEventsCapped` (see EventStore.countAll). */
  readonly lagEvents: number;
  /** True when the store stopped counting (EventStoreDB, past its count cap): at least `lagEvents`. */
  readonly lagEventsCapped: boolean;
  /** Age of the oldest event not handled yet; 0 when caught up. */
  readonly lagMs: number;
  readonly details?: Record<string, unknown>;
}

/**
 * Position and lag of each pipeline stage, measured against the event store: the relay's checkpoint
 * (relay_leases) and each projection's checkpoint. Lag in milliseconds is the age of the oldest event the
 * stage has not handled, so an idle pipeline shows 0 however old its last event is.
 */
@Injectable()
export class PipelineLagQuery implements OnApplicationShutdown {
  /** Where each stage was last seen, and since when: a stage that does not move is stalled, not lagging. */
  private readonly seen = new Map<string, { position: string | null; since: number }>();
  private topicEnds?: KafkaTopicEnds;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DATA_SOURCE) private readonly db: DataSource,
    private readonly queries: CustomerQueries,
    private readonly config: AppConfig,
    @Optional() private readonly analytics?: AnalyticsProjector,
    @Optional() private readonly analyticsSchema?: AnalyticsSchema,
  ) {}

  async stages(now = Date.now()): Promise<StageLag[]> {
    const head = await this.store.headPosition();
    const relay = await readRelayLease(this.db, 'relay');
    const readModel = await this.readModelPosition(
      await this.queries.getProjectionPosition(CUSTOMER_READ_MODEL_PROJECTION),
    );
    const analytics = this.analytics ? await this.analyticsPosition(this.analytics) : undefined;
    return [
      await this.lag('relay', 'relay', relay?.position, head, now, {
        leader: relay?.owner ?? null,
        leaseExpiresAt: relay?.expiresAt ? new Date(relay.expiresAt).toISOString() : null,
      }),
      await this.lag(
        CUSTOMER_READ_MODEL_PROJECTION,
        'projection',
        readModel.position,
        head,
        now,
        readModel.details,
      ),
      ...(analytics ? [await this.analyticsStage(analytics, head, now)] : []),
    ];
  }

  /**
   * The read model's position as the stages report it. On Kafka, partitions are consumed apart and the
   * stored checkpoint is the furthest any of them reached: a partition held back would be hidden behind
   * it. So there the position is the one below which every partition has handled everything
   * (contiguousPosition: each partition's stored position against where the topic's partitions end now),
   * and `details.furthestPosition` is the checkpoint. When Kafka cannot be asked, the checkpoint, saying so.
   */
  async readModelPosition(
    checkpoint: bigint | undefined,
  ): Promise<{ position: bigint | undefined; details?: Record<string, unknown> }> {
    const brokers = this.config.kafkaBrokers;
    if (!brokers) return { position: checkpoint };
    const topic = this.config.KAFKA_TOPIC;
    const offsets = await runExclusive(this.db, () =>
      readOffsets(this.db, CUSTOMER_READ_MODEL_PROJECTION, topic),
    );
    try {
      this.topicEnds ??= new KafkaTopicEnds(brokers, `${this.config.workerId}-pipeline`);
      const ends = await this.topicEnds.ends(topic); // after the offsets: see contiguousPosition
      return {
        position: contiguousPosition(checkpoint, offsets, ends),
        details: { furthestPosition: checkpoint?.toString() ?? null },
      };
    } catch (error) {
      return {
        position: checkpoint,
        details: {
          furthestPosition: checkpoint?.toString() ?? null,
          partitions: `not compared with Kafka (${(error as Error).message}): the position is the furthest partition's`,
        },
      };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.topicEnds?.close();
  }

  /** The analytics checkpoint (in ClickHouse), or why this process cannot read it. */
  private async analyticsPosition(projector: AnalyticsProjector): Promise<AnalyticsRead> {
    let reason: string | undefined;
    if (this.analyticsSchema && !this.analyticsSchema.isReady)
      reason = this.analyticsSchema.pendingReason ?? 'schema not applied yet';
    else {
      try {
        return { position: (await projector.checkpoint()) ?? undefined };
      } catch (error) {
        reason = (error as Error).message ?? String(error);
      }
    }
    // The store is another process's (or down): what the worker last reported, if it ever did.
    const reported = await this.queries.getProjectionPosition(ANALYTICS_REPORTED_CHECKPOINT);
    return reported === undefined ? { reason } : { position: reported, reported: reason };
  }

  /**
   * The analytics projection, whose checkpoint lives in ClickHouse: unavailable, with the reason, when this
   * process cannot read the store (the embedded engine held by another process, a server down).
   */
  private async analyticsStage(read: AnalyticsRead, head: bigint, now: number): Promise<StageLag> {
    const details = read.reported
      ? { source: `checkpoint reported by the worker; this process cannot read the store: ${read.reported}` }
      : undefined;
    const stage = await this.lag(ANALYTICS_PROJECTION, 'projection', read.position, head, now, details);
    if (read.reason === undefined) return stage;
    return {
      ...stage,
      position: null,
      state: 'unavailable',
      reason: `the analytics store cannot be read from this process: ${read.reason}`,
    };
  }

  /**
   * A stage at `position`: how many customer events of the store it has not handled, and how old the oldest
   * is. One count over the store's position index (EventStore.countAll), never a read of the events: this
   * runs on every status call, health check and metrics scrape, however far the stage is behind.
   */
  async lag(
    name: string,
    kind: StageLag['kind'],
    position: bigint | undefined,
    head: bigint,
    now: number,
    details?: Record<string, unknown>,
  ): Promise<StageLag> {
    const behind = await this.store.countAll({ after: position, streamPrefix: CUSTOMER_STREAM_PREFIX });
    const lagMs = behind.firstRecordedAt === null ? 0 : Math.max(0, now - Date.parse(behind.firstRecordedAt));
    const at = position?.toString() ?? null;
    const { state, reason } = this.judge(name, at, lagMs, now);
    return {
      name,
      kind,
      state,
      ...(reason ? { reason } : {}),
      position: at,
      headPosition: head.toString(),
      lagEvents: behind.count,
      lagEventsCapped: behind.atLeast,
      lagMs,
      ...(details ? { details } : {}),
    };
  }

  /**
   * Live, lagging or stalled, from the age of the oldest unhandled event and whether the position moved. A
   * stage seen for the first time is taken not to have moved since that event was recorded; a second look
   * (the next scrape or health check; `crm status` looks twice) tells a slow stage from a stuck one.
   */
  private judge(
    name: string,
    position: string | null,
    lagMs: number,
    now: number,
  ): { state: StageState; reason?: string } {
    const last = this.seen.get(name);
    const since = last && last.position === position ? last.since : last ? now : now - lagMs;
    this.seen.set(name, { position, since });
    if (lagMs < this.config.PIPELINE_LAGGING_AFTER_MS) return { state: 'live' };
    const still = now - since;
    if (lagMs >= this.config.PIPELINE_STALLED_AFTER_MS && still >= this.config.PIPELINE_STALLED_AFTER_MS)
      return {
        state: 'stalled',
        reason: `no progress for ${Math.round(still / 1000)} s while its oldest unhandled event waits`,
      };
    return { state: 'lagging' };
  }
}
