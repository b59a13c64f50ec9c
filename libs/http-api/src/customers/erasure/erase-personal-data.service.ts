import {
  currentSchemaVersion,
  customerStreamId,
  CustomerNotAcquiredError,
  decide,
  PERSONAL_PROFILE_FIELDS,
  PersonalDataAlreadyErasedError,
} from '@crm/domain';
import { KEY_STORE, type KeyStore } from '@crm/event-store';
import { WrongExpectedRevisionError } from '@crm/event-store';
import { EVENT_STORE, type EventStore } from '@crm/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiProblem } from '../../problems/api-problem';
import { CustomerStreamRepository } from '../../events/customer-stream.repository';

export interface ErasureOutcome {
  readonly customerId: string;
  /** False when an earlier request had already erased the customer (the call is idempotent). */
  readonly erasedNow: boolean;
  readonly eventId?: string;
  readonly streamRevision?: number;
  /** Decimal string; pass as minPosition to read the erased customer from the read model. */
  readonly globalPosition?: string;
}

const MAX_ATTEMPTS = 3;

/**
 * Right to erasure by crypto-shredding: destroy the customer's data key first (from that instant no read of
 * the event store yields their personal fields, whatever process reads), then record
 * CustomerPersonalDataErased, which projections turn into an erased customer. A failure between the two
 * steps is repaired by calling again: the decider has not seen an erasure, so it is recorded then.
 */
@Injectable()
export class ErasePersonalDataService {
  constructor(
    private readonly streams: CustomerStreamRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEY_STORE) private readonly keys: KeyStore,
  ) {}

  async erase(customerId: string, correlationId?: string, attempt = 1): Promise<ErasureOutcome> {
    const stream = await this.streams.load(customerId);
    const command = {
      type: 'ErasePersonalData' as const,
      customerId,
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      data: { fields: [...PERSONAL_PROFILE_FIELDS] },
    };
    let events;
    try {
      events = decide(command, stream.state);
    } catch (error) {
      if (error instanceof CustomerNotAcquiredError) {
        throw new ApiProblem(404, 'CUSTOMER_NOT_FOUND', 'Customer not found', `No customer ${customerId}`);
      }
      if (!(error instanceof PersonalDataAlreadyErasedError)) throw error;
      await this.keys.destroy(customerId); // repairs an erasure whose key destruction was interrupted
      return { customerId, erasedNow: false };
    }
    await this.keys.destroy(customerId);
    try {
      const result = await this.store.appendToStream(
        customerStreamId(customerId),
        events.map((e) => ({
          eventId: e.eventId,
          type: e.type,
          occurredAt: e.occurredAt,
          data: e.data as unknown as Record<string, unknown>,
          metadata: {
            schemaVersion: currentSchemaVersion(e.type),
            source: 'crm-api',
            ...(correlationId ? { correlationId } : {}),
          },
        })),
        { expectedRevision: stream.revision },
      );
      const appended = result.events[result.events.length - 1];
      return {
        customerId,
        erasedNow: true,
        eventId: appended.eventId,
        streamRevision: appended.streamRevision,
        globalPosition: appended.globalPosition.toString(),
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      return this.erase(customerId, correlationId, attempt + 1);
    }
  }
}
