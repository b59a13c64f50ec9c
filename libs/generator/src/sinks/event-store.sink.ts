import { customerStreamId } from '@crm/domain';
import type { EventStore, EventToAppend } from '@crm/event-store';
import { toEventToAppend, type GeneratedEvent } from '../published-event';
import type { EventSink } from './event-sink';

export interface EventStoreSinkOptions {
  /**
   * Events gathered (and grouped per customer stream) before they are appended. Default 20,000: a customer's
   * first days (acquisition, welcome contact, first purchase) then mostly share one append, which is what makes
   * the embedded store fast (one transaction per append). Memory grows with it (~1 KB per event).
   */
  readonly windowEvents?: number;
}

/**
 * Appends straight to an event store, bypassing HTTP: what the decider emitted for each published event (so a
 * purchase by a churned customer appends CustomerReactivated and CustomerPurchased, as through the API), with
 * the API's metadata. Events are gathered in a window and appended per customer stream, in order; one
 * appendToStream per customer present in the window (the port appends to one stream at a time).
 *
 * A customer's first append expects no stream and later ones expect the stream, so generating into a store
 * that already holds these customer ids fails at the first one (WrongExpectedRevisionError) instead of
 * breaking their lifecycles; a rerun with the same seed and options replays idempotently (same event ids,
 * same appends) and then carries on where the first run stopped.
 */
export class EventStoreSink implements EventSink {
  appended = 0;
  appends = 0;
  private groups = new Map<string, EventToAppend[]>();
  private gathered = 0;
  private readonly windowEvents: number;

  constructor(
    private readonly store: EventStore,
    options: EventStoreSinkOptions = {},
  ) {
    this.windowEvents = options.windowEvents ?? 20_000;
    if (!(this.windowEvents >= 1)) throw new RangeError('windowEvents must be >= 1');
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
    this.groups = new Map();
    this.gathered = 0;
    for (const [stream, events] of groups) {
      const expectedRevision = events[0].type === 'CustomerAcquired' ? 'no_stream' : 'stream_exists';
      await this.store.appendToStream(stream, events, { expectedRevision });
      this.appends++;
      this.appended += events.length;
    }
  }
}
