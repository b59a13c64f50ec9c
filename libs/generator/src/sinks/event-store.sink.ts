import type { EventStore } from '@crm/event-store';
import { EventIngestor, type IngestProblem } from '@crm/ingest';
import {
  isSpend,
  type GeneratedRecord,
  type PublishedEvent,
  type PublishedSpendEvent,
} from '../published-event';
import type { EventSink } from './event-sink';

export interface EventStoreSinkOptions {
  /**
   * Events gathered before they are published. Default 20,000: a customer's first days (acquisition,
   * welcome contact, first purchase) then mostly share one append. Memory grows with it (~1 KB per event).
   */
  readonly windowEvents?: number;
  /**
   * A window goes to the store as appendToStreams calls of about this many events each (a customer's events
   * never across two calls); default 20,000, the whole default window in one call. In the embedded store a
   * call is one transaction: one commit, and with crypto-shredding one key-store fsync, for thousands of
   * customers rather than one each. Bigger is faster because a commit writes every index page the call
   * touched, and customers are spread over the whole index. The price is the file's write lock, held for
   * the whole call: other writers wait.
   */
  readonly eventsPerCall?: number;
}

/** The write path refused generated events: nothing of that window was appended (earlier windows were). */
export class GeneratedEventsRejectedError extends Error {
  readonly code = 'GENERATED_EVENTS_REJECTED';

  constructor(readonly problems: readonly IngestProblem[]) {
    const shown = problems.slice(0, 5).map((p) => `  ${p.customerId ?? ''} ${p.code}: ${p.message}`);
    super(`the write path refused generated events:\n${shown.join('\n')}`);
    this.name = 'GeneratedEventsRejectedError';
  }
}

/**
 * Publishes generated events straight into an event store, bypassing HTTP but not the write path
 * (@crm/ingest): the same validation, decider and metadata rules as POST /v1/events, so a purchase by a
 * churned customer appends CustomerReactivated and CustomerPurchased as through the API. Events are gathered
 * in a window and published in bulk (appendToStreams): one append per customer present in the window, many
 * appends per call.
 *
 * Generating into a store that already holds these customer ids fails at the first window that meets one
 * (GeneratedEventsRejectedError, CUSTOMER_ALREADY_ACQUIRED) instead of breaking their lifecycles; a rerun
 * with the same seed and options replays idempotently (same event ids) and carries on where the first
 * run stopped.
 */
export class EventStoreSink implements EventSink {
  /** Events handed to the store (idempotent replays of a rerun included), decider-emitted ones included. */
  appended = 0;
  /** Customer stream appends (one per customer per window), however many went in one call. */
  appends = 0;
  /** MarketingSpendRecorded events handed to the spend entrance (also counted in `appended`). */
  spendsAppended = 0;
  private window: PublishedEvent[] = [];
  /** Campaign spend gathered with the window: published after its customer events, one by one. */
  private spends: PublishedSpendEvent[] = [];
  private readonly ingestor: EventIngestor;
  private readonly windowEvents: number;
  private readonly eventsPerCall: number;

  constructor(target: EventStore | EventIngestor, options: EventStoreSinkOptions = {}) {
    this.windowEvents = options.windowEvents ?? 20_000;
    this.eventsPerCall = options.eventsPerCall ?? 20_000;
    if (!(this.windowEvents >= 1)) throw new RangeError('windowEvents must be >= 1');
    if (!(this.eventsPerCall >= 1)) throw new RangeError('eventsPerCall must be >= 1');
    this.ingestor =
      target instanceof EventIngestor
        ? target
        : new EventIngestor(target, { maxBatchEvents: this.windowEvents, stateCacheSize: 100_000 });
  }

  write(event: GeneratedRecord): void | Promise<void> {
    if (isSpend(event)) {
      this.spends.push(event.published);
      return;
    }
    this.window.push(event.published);
    if (this.window.length >= this.windowEvents) return this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    try {
      await this.flushCustomers();
    } catch (error) {
      this.spends = []; // nothing more after a refused window, not even the campaigns' spend
      throw error;
    }
    await this.flushSpends();
  }

  /** Marketing spend through the write path's spend entrance (campaign decider, `campaign-<campaign>`). */
  private async flushSpends(): Promise<void> {
    const spends = this.spends;
    this.spends = [];
    for (const { type: _type, ...body } of spends) {
      const validation = this.ingestor.validateMarketingSpend(body);
      if (!validation.ok) throw new GeneratedEventsRejectedError(validation.errors);
      const outcome = await this.ingestor.publishMarketingSpend(validation.spend);
      if (outcome.kind !== 'recorded') {
        throw new GeneratedEventsRejectedError([
          { code: outcome.problem.code, message: `${body.data.campaign}: ${outcome.problem.message}` },
        ]);
      }
      this.appended++;
      this.spendsAppended++;
    }
  }

  private async flushCustomers(): Promise<void> {
    const window = this.window;
    this.window = [];
    if (window.length === 0) return;
    const validation = this.ingestor.validate({ events: window }, { maxEvents: window.length });
    if (!validation.ok) throw new GeneratedEventsRejectedError(validation.errors);
    const outcome = await this.ingestor.publish(
      validation.events,
      { correlationId: '' },
      { eventsPerCall: this.eventsPerCall },
    );
    if (outcome.kind === 'rejected') throw new GeneratedEventsRejectedError(outcome.problems);
    if (outcome.failures.length > 0) {
      throw new GeneratedEventsRejectedError(
        outcome.failures.map((f) => ({ customerId: f.customerId, code: f.code, message: f.message })),
      );
    }
    this.appended += outcome.results.length;
    this.appends += new Set(outcome.results.map((r) => r.customerId)).size;
  }
}
