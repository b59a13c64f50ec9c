import { CustomerEvent, CustomerState, customerStreamId, fold } from '@crm/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '@crm/event-store';
import { Inject, Injectable } from '@nestjs/common';

export interface LoadedCustomerStream {
  readonly customerId: string;
  /** Revision of the last event; -1 when the customer has no stream yet. */
  readonly revision: number;
  readonly state: CustomerState;
  readonly recordedById: ReadonlyMap<string, RecordedEvent>;
}

/** Loads a customer's stream and folds it into the decider's state. */
@Injectable()
export class CustomerStreamRepository {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load(customerId: string): Promise<LoadedCustomerStream> {
    const recorded = await this.store.readStream(customerStreamId(customerId));
    return {
      customerId,
      revision: recorded.length === 0 ? -1 : recorded[recorded.length - 1].streamRevision,
      state: fold(recorded.map(toDomainEvent)),
      recordedById: new Map(recorded.map((e) => [e.eventId, e])),
    };
  }
}

export const toDomainEvent = (e: RecordedEvent): CustomerEvent =>
  ({ type: e.type, eventId: e.eventId, occurredAt: e.occurredAt, data: e.data }) as CustomerEvent;
