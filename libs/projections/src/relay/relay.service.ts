import type { AllSubscription, EventStore, RecordedEvent } from '@crm/event-store';
import { LeaseLostError, RelayLease } from '@crm/read-model';

export interface RelayPublisher {
  publish(events: readonly RecordedEvent[]): Promise<void>;
  /** Publishes that may be in flight at once (Bus.publishWindow). Default 1. */
  readonly window?: number;
  /** Events that may be in flight at once across those publishes (Bus.publishWindowRecords). Default: no bound. */
  readonly windowEvents?: number;
}

export interface RelayOptions {
  /** Most events per bus publish. */
  readonly batchSize: number;
  /**
   * Most time a batch gathers events, counted from its first: a partial batch is published once it is this
   * old (or at once when nothing more is waiting and it is this old). A maximum age, not a silence: under a
   * steady stream events are never that far apart, and waiting for silence would mean waiting for a full
   * batch (500 events is a quarter of a second at 2,000 events/s).
   */
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

interface InFlight {
  readonly done: Promise<void>;
  readonly last: RecordedEvent;
  readonly events: number;
  settled: boolean;
}

/**
 * Follows the event store's global order from its checkpoint and publishes to the bus, in order.
 * Only the holder of the lease publishes; the checkpoint moves after the bus accepted a batch, so a crash
 * between the two republishes that batch (at-least-once; projectors are idempotent).
 *
 * Up to the publisher's window of batches are in flight at once; they are awaited, and checkpointed, in the
 * order they were published, and the first failure stops the leader (it resumes from the checkpoint, so
 * the failed batch and any later ones are published again).
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
  private inFlight: InFlight[] = [];
  /** Events in the publishes of `inFlight`. */
  private inFlightEvents = 0;

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

  /**
   * Publishes from the checkpoint until the lease is lost or the relay stops. A batch is due when full or
   * lingerMs old; a due batch goes out while the window has room, otherwise it keeps filling up to
   * batchSize (so a slow consumer group gets fewer, larger batches instead of a queue of small ones), and
   * only a full batch facing a full window waits for the oldest publish.
   */
  private async lead(): Promise<void> {
    const state = await this.lease.read();
    this.position = state?.position;
    this.inFlight = [];
    this.inFlightEvents = 0;
    const window = Math.max(1, this.publisher.window ?? 1);
    const windowEvents = Math.max(1, this.publisher.windowEvents ?? Number.POSITIVE_INFINITY);
    // Every stream: customers' and campaigns' (marketing spend, which the analytics projector stores and the
    // read model skips).
    const subscription = this.store.subscribeToAll({ after: this.position });
    this.subscription = subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    let batch: RecordedEvent[] = [];
    let batchStartedAt = 0;
    let lastRenewal = Date.now();
    try {
      while (!this.stopping) {
        // Checked before the call: this loop turns once per event, and most turns have nothing to checkpoint.
        if (this.inFlight.length > 0 && this.inFlight[0].settled) await this.checkpointSettled();
        const windowFull = this.inFlight.length >= window || this.inFlightEvents >= windowEvents;
        const age = Date.now() - batchStartedAt;
        const due =
          batch.length >= this.options.batchSize || (batch.length > 0 && age >= this.options.lingerMs);
        if (due && !windowFull) {
          batch = this.send(batch);
          lastRenewal = Date.now();
          continue;
        }
        if (batch.length >= this.options.batchSize) {
          await this.settleOldest();
          continue;
        }
        pending ??= iterator.next();
        // An event already waiting is taken at once; only an empty queue waits, for the next event or:
        // the batch's age, room in the window, or (idle) the heartbeat.
        let next = await Promise.race([pending, NOT_READY]);
        if (next === NOT_READY_VALUE) {
          next = await Promise.race([
            pending,
            due
              ? this.inFlight[0].done.then(nothing, nothing)
              : batch.length > 0
                ? delay(this.options.lingerMs - age)
                : this.inFlight.length > 0
                  ? Promise.race([
                      this.inFlight[0].done.then(nothing, nothing),
                      delay(this.options.heartbeatMs),
                    ])
                  : delay(this.options.heartbeatMs),
          ]);
        }
        if (next === undefined) {
          if (
            batch.length === 0 &&
            this.inFlight.length === 0 &&
            Date.now() - lastRenewal >= this.options.heartbeatMs
          ) {
            await this.lease.renew(); // idle: keep the lease alive
            lastRenewal = Date.now();
          }
          continue;
        }
        pending = undefined;
        if (next.done) break;
        if (batch.length === 0) batchStartedAt = Date.now();
        batch.push(next.value);
      }
      if (batch.length > 0 && !this.stopping) this.send(batch);
      await this.drain();
    } finally {
      this.subscription = undefined;
      await subscription.close();
    }
  }

  /** Hands a batch to the publisher without waiting; it is checkpointed once it and every earlier one are done. */
  private send(batch: RecordedEvent[]): RecordedEvent[] {
    const entry: InFlight = {
      done: this.publisher.publish(batch),
      last: batch[batch.length - 1],
      events: batch.length,
      settled: false,
    };
    // Observed here so a failure behind an earlier one is not an unhandled rejection; awaited in order.
    entry.done.then(
      () => (entry.settled = true),
      () => (entry.settled = true),
    );
    this.inFlight.push(entry);
    this.inFlightEvents += batch.length;
    return [];
  }

  /** Checkpoints the publishes at the head of the window that are already done, without waiting. */
  private async checkpointSettled(): Promise<void> {
    let last: InFlight | undefined;
    while (this.inFlight.length > 0 && this.inFlight[0].settled) {
      await this.inFlight[0].done;
      last = this.take();
    }
    if (last) await this.checkpoint(last);
  }

  private async settleOldest(): Promise<void> {
    await this.inFlight[0].done;
    await this.checkpoint(this.take());
  }

  private async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.settleOldest();
  }

  private take(): InFlight {
    const entry = this.inFlight.shift() as InFlight;
    this.inFlightEvents -= entry.events;
    this.publishedEvents += entry.events;
    return entry;
  }

  private async checkpoint(entry: InFlight): Promise<void> {
    await this.lease.checkpoint(entry.last.globalPosition, entry.last.recordedAt);
    this.position = entry.last.globalPosition;
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

const nothing = (): undefined => undefined;

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
