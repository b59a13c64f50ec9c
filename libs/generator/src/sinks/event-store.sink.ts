import { customerStreamId } from '@crm/domain';
import type { EventStore, EventToAppend } from '@crm/event-store';
import { toEventToAppend, type GeneratedEvent } from '../published-event';
import type { EventSink } from './event-sink';

export interface EventStoreSinkOptions {
  /** Events gathered (and grouped per customer stream) before they are appended. Default 2,000. */
  readonly windowEvents?: number;
}

/**
 * Appends straight to an event store, bypassing HTTP: what the decider emitted for each published event (so a
 * purchase by a churned customer appends CustomerReactivated and CustomerPurchased, as through the API), with
 * the API's metadata. Events are gathered in a window and appended per customer stream, in order; one
 * appendToStream per customer present in the window (the port appends to one stream at a time).
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
    this.windowEvents = options.windowEvents ?? 2000;
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
      await this.store.appendToStream(stream, events, { expectedRevision: 'any' });
      this.appends++;
      this.appended += events.length;
    }
  }
}
