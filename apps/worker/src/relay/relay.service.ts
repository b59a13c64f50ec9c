import type { AllSubscription, EventStore, RecordedEvent } from '@crm/event-store/event-store.port';
import { CUSTOMER_STREAM_PREFIX } from '@crm/domain';
import { LeaseLostError, RelayLease } from '@crm/read-model';

export interface RelayPublisher {
  publish(events: readonly RecordedEvent[]): Promise<void>;
}

export interface RelayOptions {
  /** Most events per bus publish. */
  readonly batchSize: number;
  /** How long a partial batch waits for more events before it is published. */
  readonly lingerMs: number;
  /** How often a standby tries to take the lease, and the leader renews it while idle. */
  readonly heartbeatMs: number;
}

export type RelayRole = 'starting' | 'standby' | 'leader' | 'stopped';

export interface RelayStatus {
  readonly owner: string;
  readonly role: RelayRole;
  /** Last global position this relay published and checkpointed. */
  readonly position: bigint | undefined;
  readonly publishedEvents: number;
  readonly lastError?: string;
}

/**
 * Follows the event store's global order from its checkpoint and publishes to the bus, in order.
 * Only the holder of the lease publishes; the checkpoint moves after the bus accepted a batch, so a crash
 * between the two republishes that batch (at-least-once; projectors are idempotent).
 */
export class Relay {
  private role: RelayRole = 'starting';
  private position: bigint | undefined;
  private publishedEvents = 0;
  private lastError?: string;
  private stopping = false;
  private subscription?: AllSubscription;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly store: EventStore,
    private readonly publisher: RelayPublisher,
    private readonly lease: RelayLease,
    private readonly options: RelayOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.subscription?.close();
    await this.loop;
    if (this.role === 'leader') await this.lease.release().catch(() => undefined);
    this.role = 'stopped';
  }

  status(): RelayStatus {
    return {
      owner: this.lease.owner,
      role: this.role,
      position: this.position,
      publishedEvents: this.publishedEvents,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (await this.lease.tryAcquire()) {
          this.role = 'leader';
          await this.lead();
        } else {
          this.role = 'standby';
          await this.pause(this.options.heartbeatMs);
        }
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        this.role = error instanceof LeaseLostError ? 'standby' : this.role;
        // Store, bus or database trouble: back off, then resume from the stored checkpoint.
        await this.pause(this.options.heartbeatMs);
      }
    }
  }

  /** Publishes from the checkpoint until the lease is lost or the relay stops. */
  private async lead(): Promise<void> {
    const state = await this.lease.read();
    this.position = state?.position;
    const subscription = this.store.subscribeToAll({
      after: this.position,
      streamPrefix: CUSTOMER_STREAM_PREFIX,
    });
    this.subscription = subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    let batch: RecordedEvent[] = [];
    let lastRenewal = Date.now();
    try {
      while (!this.stopping) {
        pending ??= iterator.next();
        // An event already waiting is taken at once; only an empty queue arms a timer.
        let next = await Promise.race([pending, NOT_READY]);
        if (next === NOT_READY_VALUE) {
          next = await Promise.race([
            pending,
            delay(batch.length > 0 ? this.options.lingerMs : this.options.heartbeatMs),
          ]);
        }
        if (next === undefined) {
          // Nothing new for a while: publish what is waiting, or just keep the lease alive.
          if (batch.length > 0) batch = await this.flush(batch);
          else if (Date.now() - lastRenewal >= this.options.heartbeatMs) {
            await this.lease.renew();
            lastRenewal = Date.now();
          }
          continue;
        }
        pending = undefined;
        if (next.done) break;
        batch.push(next.value);
        if (batch.length >= this.options.batchSize) {
          batch = await this.flush(batch);
          lastRenewal = Date.now();
        }
      }
      if (batch.length > 0 && !this.stopping) await this.flush(batch);
    } finally {
      this.subscription = undefined;
      await subscription.close();
    }
  }

  private async flush(batch: RecordedEvent[]): Promise<RecordedEvent[]> {
    await this.publisher.publish(batch);
    const last = batch[batch.length - 1];
    await this.lease.checkpoint(last.globalPosition, last.recordedAt);
    this.position = last.globalPosition;
    this.publishedEvents += batch.length;
    return [];
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

const NOT_READY_VALUE = undefined;
const NOT_READY = Promise.resolve(NOT_READY_VALUE);

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
