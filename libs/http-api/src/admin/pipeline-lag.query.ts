import { CUSTOMER_STREAM_PREFIX } from '@crm/domain';
import { EVENT_STORE, EventStore } from '@crm/event-store';
import {
  CUSTOMER_READ_MODEL_PROJECTION,
  CustomerQueries,
  READ_MODEL_DATA_SOURCE,
  readRelayLease,
} from '@crm/read-model';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Counting further than this would make a status call expensive; beyond it the lag says "at least". */
const LAG_COUNT_CAP = 10_000;

export interface StageLag {
  readonly name: string;
  readonly kind: 'relay' | 'projection';
  /** Last global position handled (decimal string), null before the first event. */
  readonly position: string | null;
  readonly headPosition: string;
  /** Events in the store after `position` (capped: see `lagEventsCapped`). */
  readonly lagEvents: number;
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
export class PipelineLagQuery {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DATA_SOURCE) private readonly db: DataSource,
    private readonly queries: CustomerQueries,
  ) {}

  async stages(now = Date.now()): Promise<StageLag[]> {
    const head = await this.store.headPosition();
    const relay = await readRelayLease(this.db, 'relay');
    const readModel = await this.queries.getProjectionPosition(CUSTOMER_READ_MODEL_PROJECTION);
    return [
      await this.lag('relay', 'relay', relay?.position, head, now, {
        leader: relay?.owner ?? null,
        leaseExpiresAt: relay?.expiresAt ? new Date(relay.expiresAt).toISOString() : null,
      }),
      await this.lag(CUSTOMER_READ_MODEL_PROJECTION, 'projection', readModel, head, now),
    ];
  }

  /** A stage at `position`: how many events of the store (and how old the oldest) it has not handled. */
  async lag(
    name: string,
    kind: StageLag['kind'],
    position: bigint | undefined,
    head: bigint,
    now: number,
    details?: Record<string, unknown>,
  ): Promise<StageLag> {
    const behind = await this.store.readAll({
      after: position,
      maxCount: LAG_COUNT_CAP,
      streamPrefix: CUSTOMER_STREAM_PREFIX,
    });
    return {
      name,
      kind,
      position: position?.toString() ?? null,
      headPosition: head.toString(),
      lagEvents: behind.length,
      lagEventsCapped: behind.length === LAG_COUNT_CAP,
      lagMs: behind.length === 0 ? 0 : Math.max(0, now - Date.parse(behind[0].recordedAt)),
      ...(details ? { details } : {}),
    };
  }
}
