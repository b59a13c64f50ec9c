import { CustomerEvent, CustomerState, customerStreamId, evolve, initialState } from '@crm/domain';
import type { EventStore, RecordedEvent } from '@crm/event-store';
import { DeciderStateCache } from './decider-state.cache';

/** Where an event of the stream is: what an idempotent retry of it answers with. */
export interface RecordedRef {
  readonly eventId: string;
  readonly type: string;
  readonly streamRevision: number;
  readonly globalPosition: bigint;
}

/** A customer's stream as the decider needs it. */
export interface CustomerStreamState {
  readonly customerId: string;
  /** Revision of the last event folded in; -1 when the customer has no stream yet. */
  readonly revision: number;
  readonly state: CustomerState;
  /**
   * The stream's events by id. Shared between the cached entries of one stream and only ever added to
   * with events that are recorded, so a holder of an older entry at most learns of more recorded events.
   */
  readonly recorded: ReadonlyMap<string, RecordedRef>;
}

/**
 * Loads a customer's stream and folds it into the decider's state. With a cache, a stream seen before is
 * read only after the revision its cached state was folded up to; without one (capacity 0), whole.
 */
export class CustomerStreamRepository {
  constructor(
    private readonly store: EventStore,
    readonly cache: DeciderStateCache = new DeciderStateCache(0),
  ) {}

  async load(customerId: string): Promise<CustomerStreamState> {
    const cached = this.cache.get(customerId);
    const recorded = await this.store.readStream(customerStreamId(customerId), {
      fromRevision: cached ? cached.revision + 1 : 0,
    });
    return this.folded(customerId, cached, recorded);
  }

  /**
   * load() for many customers with one readStreams call (the embedded store: one query for the lot),
   * by customer id. Duplicates in the input are read once.
   */
  async loadMany(customerIds: Iterable<string>): Promise<Map<string, CustomerStreamState>> {
    const ids = [...new Set(customerIds)];
    const cached = ids.map((id) => this.cache.get(id));
    const recorded = await this.store.readStreams(
      ids.map((id, i) => ({
        streamId: customerStreamId(id),
        fromRevision: cached[i] ? cached[i].revision + 1 : 0,
      })),
    );
    return new Map(ids.map((id, i) => [id, this.folded(id, cached[i], recorded[i])]));
  }

  private folded(
    customerId: string,
    cached: CustomerStreamState | undefined,
    recorded: readonly RecordedEvent[],
  ): CustomerStreamState {
    if (cached && recorded.length === 0) return cached;
    const loaded = extend(cached ?? empty(customerId), recorded);
    if (loaded.revision >= 0) this.cache.set(loaded);
    return loaded;
  }

  /** Reads the stream whole next time (after a conflict: someone else wrote it). */
  forget(customerId: string): void {
    this.cache.delete(customerId);
  }

  /** The stream after an append that succeeded: the next decision starts from it. */
  appended(
    before: CustomerStreamState,
    events: readonly { readonly event: CustomerEvent; readonly at: RecordedRef }[],
  ): void {
    if (events.length === 0) return;
    const recorded = before.recorded as Map<string, RecordedRef>;
    let state = before.state;
    for (const { event, at } of events) {
      state = evolve(state, event);
      recorded.set(at.eventId, at);
    }
    const revision = events[events.length - 1].at.streamRevision;
    this.cache.set({ customerId: before.customerId, revision, state, recorded });
  }
}

const empty = (customerId: string): CustomerStreamState => ({
  customerId,
  revision: -1,
  state: initialState(),
  recorded: new Map(),
});

function extend(from: CustomerStreamState, events: readonly RecordedEvent[]): CustomerStreamState {
  const recorded = from.recorded as Map<string, RecordedRef>;
  let state = from.state;
  for (const e of events) {
    state = evolve(state, toDomainEvent(e));
    recorded.set(e.eventId, {
      eventId: e.eventId,
      type: e.type,
      streamRevision: e.streamRevision,
      globalPosition: e.globalPosition,
    });
  }
  return {
    customerId: from.customerId,
    revision: events.length > 0 ? events[events.length - 1].streamRevision : from.revision,
    state,
    recorded,
  };
}

export const toDomainEvent = (e: RecordedEvent): CustomerEvent =>
  ({ type: e.type, eventId: e.eventId, occurredAt: e.occurredAt, data: e.data }) as CustomerEvent;
