import { AnalyticsBatcher, AnalyticsProjector, AnalyticsSchema } from '@crm/analytics';
import { AppConfig } from '@crm/config';
import { KEY_STORE, type KeyStore } from '@crm/event-store';
import { PersonalDataOpener } from '@crm/event-store';
import type { RecordedEvent } from '@crm/event-store';
import {
  BUS,
  Bus,
  BusConsumer,
  BusMessage,
  decodeCustomerEvent,
  PoisonMessageError,
  UndecodableMessageError,
} from '@crm/messaging';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { READ_MODEL_DATA_SOURCE, runExclusive, writeCheckpoint } from '@crm/read-model';
import type { DataSource } from 'typeorm';
import { openOrPoison } from './read-model.consumer';

/**
 * The analytics checkpoint as the worker last reported it, in the read-model database (`projection_checkpoints`),
 * which every process of a deployment reads: the split deployment's API, which never opens the embedded
 * engine, and `crm status` beside a running `crm serve` still see how far analytics got, and whether it moves.
 */
export const ANALYTICS_REPORTED_CHECKPOINT = 'analytics.reported';

export const ANALYTICS_GROUP = 'crm.analytics';

/**
 * The analytics projector's consumer group: one more group on the lifecycle topic, independent of the read
 * model's. Deliveries of all partitions are gathered into large ClickHouse writes (by size and time, see
 * AnalyticsBatcher); a delivery is acknowledged, hence its offsets committed, only once the write holding it
 * was accepted. A failed write fails every delivery in it and the bus redelivers them; the projector is
 * idempotent, so nothing is counted twice (libs/analytics/README.md, "Exactly-once results").
 *
 * The group is joined once the analytics schema is applied: a process that cannot reach the store (embedded
 * engine held by another process) must not take partitions it cannot project.
 */
@Injectable()
export class AnalyticsConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AnalyticsProjector');
  private readonly batcher: AnalyticsBatcher;
  /** The group's name; a test gives its own, so as not to share a group with other suites. */
  protected readonly group: string = ANALYTICS_GROUP;
  private consumer?: BusConsumer;
  private stopped = false;
  private readonly opener?: PersonalDataOpener;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly projector: AnalyticsProjector,
    private readonly schema: AnalyticsSchema,
    config: AppConfig,
    /** To open the personal data the relay publishes sealed (always provided by EventStoreModule). */
    @Optional() @Inject(KEY_STORE) keys?: KeyStore,
    @Optional() @Inject(READ_MODEL_DATA_SOURCE) private readonly readModel?: DataSource,
  ) {
    this.opener = keys && new PersonalDataOpener(keys);
    this.batcher = new AnalyticsBatcher((events) => this.write(events), {
      maxEvents: config.ANALYTICS_BATCH_SIZE,
      maxWaitMs: config.ANALYTICS_LINGER_MS,
    });
  }

  /** Before the relay starts (onApplicationBootstrap), so the in-process bus counts this group from the start. */
  async onModuleInit(): Promise<void> {
    if (this.schema.isReady) return this.start();
    this.logger.warn(`Not consuming until the analytics store is available: ${this.schema.pendingReason}`);
    void this.schema.whenReady().then(() => this.start().catch((error) => this.logger.error(error)));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // The batch in hand waits for a flush: close() flushes now instead of after the linger.
    await Promise.all([this.consumer?.stop(), this.batcher.close()]);
  }

  /** Best effort: the ClickHouse checkpoint is the truth; a failed report only makes the mirror lag. */
  private async report(position: bigint): Promise<void> {
    const db = this.readModel;
    if (!db) return;
    await runExclusive(db, () =>
      db.transaction((manager) =>
        writeCheckpoint(manager, ANALYTICS_REPORTED_CHECKPOINT, position, new Date().toISOString()),
      ),
    ).catch((error: unknown) =>
      this.logger.warn(`Analytics checkpoint not reported: ${(error as Error).message ?? String(error)}`),
    );
  }

  /** True once this process consumes the group (false while waiting for the store). */
  get consuming(): boolean {
    return this.consumer !== undefined && !this.stopped;
  }

  lag() {
    return this.consumer?.lag();
  }

  private async start(): Promise<void> {
    if (this.stopped || this.consumer) return;
    this.consumer = await this.bus.consume({ group: this.group, handler: (m) => this.handle(m) });
    this.logger.log(`Consuming ${this.bus.topic} as ${this.group}`);
  }

  /**
   * Decodes the delivery and hands it to the shared write. An event the store cannot hold (the mapping's
   * own rejection, event-row.sql.ts) is left out of that write, which then names it: its message is
   * dead-lettered alone, and the rest of the delivery comes again (written again: idempotent).
   */
  private async handle(messages: readonly BusMessage[]): Promise<void> {
    const events: RecordedEvent[] = [];
    for (const message of messages) events.push(await this.decoded(message));
    const leftOut = await this.batcher.add(events);
    if (leftOut.size === 0) return;
    const index = events.findIndex((event) => leftOut.has(event.eventId));
    if (index < 0) return;
    const reason = this.reasons.get(events[index].eventId) ?? 'cannot be stored in analytics';
    this.reasons.delete(events[index].eventId);
    throw new PoisonMessageError(messages[index], reason);
  }

  private async decoded(message: BusMessage): Promise<RecordedEvent> {
    try {
      return await openOrPoison(this.opener, message, decodeCustomerEvent(message));
    } catch (error) {
      if (error instanceof UndecodableMessageError) throw new PoisonMessageError(message, error.message);
      throw error;
    }
  }

  /** Why each left-out event was refused, until its delivery dead-letters it. */
  private readonly reasons = new Map<string, string>();

  private async write(events: RecordedEvent[]): Promise<string[]> {
    try {
      const { position, rejected } = await this.projector.apply(events, { leaveOut: true });
      if (position !== undefined) await this.report(position);
      for (const error of rejected) this.reasons.set(error.eventId, error.message);
      return rejected.map((error) => error.eventId);
    } catch (error) {
      this.logger.warn(
        `Analytics batch of ${events.length} not written (will be redelivered): ${(error as Error).message}`,
      );
      throw error;
    }
  }
}
