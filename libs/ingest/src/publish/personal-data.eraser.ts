import {
  CustomerNotAcquiredError,
  customerStreamId,
  decide,
  PERSONAL_PROFILE_FIELDS,
  PersonalDataAlreadyErasedError,
  type ErasePersonalData,
} from '@crm/domain';
import { WrongExpectedRevisionError, type EventStore } from '@crm/event-store';
import { randomUUID } from 'node:crypto';
import { toEventToAppend } from '../metadata/event-metadata.rules';
import type { CustomerStreamRepository } from '../streams/customer-stream.repository';

export interface ErasureRequest {
  readonly customerId: string;
  readonly correlationId?: string;
  /** The service recording the erasure (metadata.source). */
  readonly source: string;
  /**
   * Runs once the decider allowed the erasure and before it is recorded (and also when it was recorded
   * before): destroying the customer's data key belongs here, so the fact is never recorded while the
   * data is still readable.
   */
  readonly beforeAppend: () => Promise<void>;
}

/** What an erasure request came to. */
export type ErasureOutcome =
  | {
      readonly kind: 'erased';
      readonly eventId: string;
      readonly streamRevision: number;
      readonly globalPosition: bigint;
    }
  | { readonly kind: 'already-erased' }
  | { readonly kind: 'customer-not-found' };

const MAX_ATTEMPTS = 3;

/** Records CustomerPersonalDataErased through the decider, like every other customer event. */
export class PersonalDataEraser {
  constructor(
    private readonly store: EventStore,
    private readonly streams: CustomerStreamRepository,
  ) {}

  async erase(request: ErasureRequest, attempt = 1): Promise<ErasureOutcome> {
    const { customerId } = request;
    const stream = await this.streams.load(customerId);
    const command: ErasePersonalData = {
      type: 'ErasePersonalData',
      customerId,
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      data: { fields: [...PERSONAL_PROFILE_FIELDS] },
    };
    let events;
    try {
      events = decide(command, stream.state);
    } catch (error) {
      if (error instanceof CustomerNotAcquiredError) return { kind: 'customer-not-found' };
      if (!(error instanceof PersonalDataAlreadyErasedError)) throw error;
      await request.beforeAppend(); // repairs an erasure whose key destruction was interrupted
      return { kind: 'already-erased' };
    }
    await request.beforeAppend();
    const published = {
      eventId: command.eventId,
      metadata: { source: request.source, correlationId: request.correlationId },
    };
    try {
      const result = await this.store.appendToStream(
        customerStreamId(customerId),
        events.map((e) => toEventToAppend(e, published)),
        { expectedRevision: stream.revision },
      );
      this.streams.appended(
        stream,
        events.map((event, i) => ({ event, at: { ...result.events[i], type: event.type } })),
      );
      const last = result.events[result.events.length - 1];
      return {
        kind: 'erased',
        eventId: last.eventId,
        streamRevision: last.streamRevision,
        globalPosition: last.globalPosition,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      this.streams.forget(customerId);
      if (attempt >= MAX_ATTEMPTS) throw error;
      return this.erase(request, attempt + 1);
    }
  }
}
