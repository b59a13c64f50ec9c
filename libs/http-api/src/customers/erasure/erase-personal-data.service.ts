import { KEY_STORE, type KeyStore } from '@crm/event-store';
import { ErasePersonalDataCommand } from '@crm/ingest';
import { CommandBus } from '@nestjs/cqrs';
import { Inject, Injectable } from '@nestjs/common';
import { ApiProblem } from '../../problems/api-problem';

/** The answer of DELETE /v1/customers/{customerId}/personal-data. */
export interface ErasureResponse {
  readonly customerId: string;
  /** False when an earlier request had already erased the customer (the call is idempotent). */
  readonly erasedNow: boolean;
  readonly eventId?: string;
  readonly streamRevision?: number;
  /** Decimal string; pass as minPosition to read the erased customer from the read model. */
  readonly globalPosition?: string;
}

/**
 * Right to erasure by crypto-shredding: destroy the customer's data key first (from that instant no read of
 * the event store yields their personal fields, whatever process reads), then record
 * CustomerPersonalDataErased through the write path, which projections turn into an erased customer. A
 * failure between the two steps is repaired by calling again: the decider has not seen an erasure, so it
 * is recorded then.
 */
@Injectable()
export class ErasePersonalDataService {
  constructor(
    private readonly commands: CommandBus,
    @Inject(KEY_STORE) private readonly keys: KeyStore,
  ) {}

  async erase(customerId: string, correlationId?: string): Promise<ErasureResponse> {
    const outcome = await this.commands.execute(
      new ErasePersonalDataCommand({
        customerId,
        correlationId,
        source: 'crm-api',
        beforeAppend: async () => {
          await this.keys.destroy(customerId);
        },
      }),
    );
    switch (outcome.kind) {
      case 'customer-not-found':
        throw new ApiProblem(404, 'CUSTOMER_NOT_FOUND', 'Customer not found', `No customer ${customerId}`);
      case 'already-erased':
        return { customerId, erasedNow: false };
      case 'erased':
        return {
          customerId,
          erasedNow: true,
          eventId: outcome.eventId,
          streamRevision: outcome.streamRevision,
          globalPosition: outcome.globalPosition.toString(),
        };
    }
  }
}
