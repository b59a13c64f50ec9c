import { customerStreamId } from '@crm/domain';
import { EVENT_STORE, EventStore, ReadStreamOptions } from '@crm/event-store';
import { foldCustomerSummary } from '@crm/read-model';
import { Inject, Injectable } from '@nestjs/common';
import { ApiProblem } from '../problems/api-problem';

const MAX_POSITION = 2n ** 63n - 1n;
const min = (a: bigint, b: bigint) => (a < b ? a : b);

const invalid = (path: string, message: string) =>
  new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid query parameter', undefined, [
    { path, code: 'INVALID_FIELD', message },
  ]);

/**
 * A customer as of a past moment: the stream folded up to a point, with the same fold the read model is
 * checked against. The one read that folds on the request path, on purpose: history is not projected.
 */
@Injectable()
export class TimeTravel {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async customerAsOf(customerId: string, asOf: string, basis = 'occurred') {
    const until = this.until(asOf, checkBasis(basis));
    const events = await this.store.readStream(customerStreamId(customerId), { until });
    if (events.length === 0) {
      // Say which: a customer with no events at all is unknown, one with later events did not exist yet.
      const exists = (await this.store.readStream(customerStreamId(customerId), { maxCount: 1 })).length > 0;
      throw new ApiProblem(
        404,
        'CUSTOMER_NOT_FOUND',
        'Customer not found',
        exists
          ? `Customer ${customerId} has no events as of ${asOf}`
          : `Customer ${customerId} has no events`,
      );
    }
    return {
      ...foldCustomerSummary(events),
      asOf: { value: asOf, basis: /^\d+$/.test(asOf) ? 'position' : basis },
    };
  }

  private until(asOf: string, basis: string): NonNullable<ReadStreamOptions['until']> {
    // A position past every event folds the whole stream; the stores index positions as 64-bit integers.
    if (/^\d{1,20}$/.test(asOf)) return { position: min(BigInt(asOf), MAX_POSITION) };
    if (Number.isNaN(Date.parse(asOf)) || !/^\d{4}-\d{2}-\d{2}/.test(asOf)) {
      throw invalid('$query.asOf', 'asOf must be an ISO 8601 date-time or a global position');
    }
    const at = new Date(asOf).toISOString();
    return basis === 'occurred' ? { occurredAt: at } : { recordedAt: at };
  }
}

export const AS_OF_BASES = ['occurred', 'recorded'] as const;
type AsOfBasis = (typeof AS_OF_BASES)[number];

/** Checked whatever asOf is (even absent): a wrong basis is an error, not a silent default. */
export function checkBasis(basis: string): AsOfBasis {
  if (!(AS_OF_BASES as readonly string[]).includes(basis)) {
    throw invalid('$query.asOfBasis', 'asOfBasis must be occurred or recorded');
  }
  return basis as AsOfBasis;
}
