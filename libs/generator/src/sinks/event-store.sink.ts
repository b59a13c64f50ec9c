import { customerStreamId } from '@crm/domain';
import type { EventStore, EventToAppend, StreamAppend } from '@crm/event-store';
import { toEventToAppend, type GeneratedEvent } from '../published-event';
import type { EventSink } from './event-sink';

export interface EventStoreSinkOptions {
  /**
   * Events gathered (and grouped per customer stream) before they are appended. Default 20,000: a customer's
   * first days (acquisition, welcome contact, first purchase) then mostly share one append. Memory grows with
   * it (~1 KB per event).
   */
  readonly windowEvents?: number;
  /**
   * A window goes to the store as appendToStreams calls of about this many events each (the window split
   * evenly, a customer's events never across two calls); default 20,000, the whole default window in one
   * call. In the embedded store a call is one transaction: one commit, and with crypto-shredding one
   * key-store fsync, for thousands of customers rather than one each. Bigger is faster because a commit
   * writes every index page the call touched, and customers are spread over the whole index: at 100,000
   * customers, 5,000 events per call ran at ~20,000 events/s, 10,000 at ~23,000, 20,000 at ~30,000. The
   * price is the file's write lock, held for the whole call (~0.5 s at that size): other writers wait.
   */
  readonly eventsPerCall?: number;
}

/**
 * Appends straight to an event store, bypassing HTTP: what the decider emitted for each published event (so a
 * purchase by a churned customer appends CustomerReactivated and CustomerPurchased, as through the API), with
 * the API's metadata. Events are gathered in a window, grouped per customer stream in order, and appended in
 * bulk (appendToStreams): one append per customer present in the window, many appends per call.
 *
 * A customer's first append expects no stream and later ones expect the stream, so generating into a store
 * that already holds these customer ids fails at the first call that meets one (WrongExpectedRevisionError;
 * in the embedded store nothing of that call is written) instead of breaking their lifecycles; a rerun with
 * the same seed and options replays idempotently (same event ids, same appends) and then carries on where
 * the first run stopped.
 */
export class EventStoreSink implements EventSink {
  /** Events handed to the store (idempotent replays of a rerun included). */
  appended = 0;
  /** Stream appends (one per customer per window), however many went in one call. */
  appends = 0;
  /** appendToStreams calls. */
  calls = 0;
  private groups = new Map<string, EventToAppend[]>();
  private gathered = 0;
  private readonly windowEvents: number;
  private readonly eventsPerCall: number;

  constructor(
    private readonly store: EventStore,
    options: EventStoreSinkOptions = {},
  ) {
    this.windowEvents = options.windowEvents ?? 20_000;
    this.eventsPerCall = options.eventsPerCall ?? 20_000;
    if (!(this.windowEvents >= 1)) throw new RangeError('windowEvents must be >= 1');
    if (!(this.eventsPerCall >= 1)) throw new RangeError('eventsPerCall must be >= 1');
  }

  write(event: GeneratedEvent): void | Promise<void> {
    const stream = customerStreamId(event.published.customerId);
    let group = this.groups.get(stream);
    if (!group) this.groups.set(stream, (group = []));
    for (const emitted of event.emitted) group.push(toEventToAppend(emitted, event.published));
    this.gathered += event.emitted.length;
    if (this.gathered >= this.windowEvents) return this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    const groups = this.groups;
    const gathered = this.gathered;
    this.groups = new Map();
    this.gathered = 0;
    // Even shares rather than full calls and a remainder: a window just over eventsPerCall is one call, not
    // one and a sliver (each call costs a commit).
    const share = gathered / Math.max(1, Math.round(gathered / this.eventsPerCall));
    let call: StreamAppend[] = [];
    let callEvents = 0;
    for (const [streamId, events] of groups) {
      const expectedRevision = events[0].type === 'CustomerAcquired' ? 'no_stream' : 'stream_exists';
      call.push({ streamId, events, expectedRevision });
      callEvents += events.length;
      if (callEvents >= share) {
        await this.append(call, callEvents);
        call = [];
        callEvents = 0;
      }
    }
    if (call.length > 0) await this.append(call, callEvents);
  }

  private async append(call: readonly StreamAppend[], events: number): Promise<void> {
    await this.store.appendToStreams(call);
    this.calls++;
    this.appends += call.length;
    this.appended += events;
  }
}
