/**
 * Typed domain errors. `code` is a stable, documented identifier that clients may branch on; the HTTP
 * layer maps every DomainError to 422 (a lifecycle rule was broken) in one exception filter.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** JSON path (relative to the published event) of the field at fault, when one field is. */
  readonly field?: string;

  protected constructor(message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    this.field = field;
  }
}

export class CustomerNotAcquiredError extends DomainError {
  readonly code = 'CUSTOMER_NOT_ACQUIRED';
  constructor(customerId: string, eventType: string) {
    super(
      `Customer ${customerId} has not been acquired: ${eventType} needs a CustomerAcquired first`,
      'type',
    );
  }
}

export class CustomerAlreadyAcquiredError extends DomainError {
  readonly code = 'CUSTOMER_ALREADY_ACQUIRED';
  constructor(customerId: string) {
    super(`Customer ${customerId} was already acquired`, 'type');
  }
}

export class CustomerAlreadyChurnedError extends DomainError {
  readonly code = 'CUSTOMER_ALREADY_CHURNED';
  constructor(customerId: string) {
    super(`Customer ${customerId} has already churned`, 'type');
  }
}

export class ChurnedCustomerContactError extends DomainError {
  readonly code = 'CUSTOMER_CHURNED';
  constructor(customerId: string, purpose: string) {
    super(
      `Customer ${customerId} has churned: only retention or survey contacts are allowed, not ${purpose}`,
      'data.purpose',
    );
  }
}

export class PersonalDataAlreadyErasedError extends DomainError {
  readonly code = 'PERSONAL_DATA_ALREADY_ERASED';
  constructor(customerId: string) {
    super(`Customer ${customerId}'s personal data has already been erased`, 'type');
  }
}

export class SelfReferralError extends DomainError {
  readonly code = 'SELF_REFERRAL';
  constructor(customerId: string, field: string) {
    super(`Customer ${customerId} cannot refer themselves`, field);
  }
}

export class DuplicateReferralError extends DomainError {
  readonly code = 'DUPLICATE_REFERRAL';
  constructor(customerId: string, referredCustomerId: string) {
    super(`Customer ${customerId} already referred ${referredCustomerId}`, 'data.referredCustomerId');
  }
}

export class DuplicateOrderError extends DomainError {
  readonly code = 'DUPLICATE_ORDER';
  constructor(customerId: string, orderId: string) {
    super(
      `Order ${orderId} was already recorded for customer ${customerId} under another event id`,
      'data.orderId',
    );
  }
}

/** A purchase whose line items are priced in another currency than the order: it has no total. */
export class CurrencyMismatchError extends DomainError {
  readonly code = 'CURRENCY_MISMATCH';
  constructor(itemIndex: number, orderCurrency: string) {
    super(
      `line items must be in the order's currency ${orderCurrency}`,
      `data.items[${itemIndex}].unitPrice.currency`,
    );
  }
}

/** Outbound marketing on a channel the customer has not opted in to (opt-in policy for that channel). */
export class ConsentRequiredError extends DomainError {
  readonly code = 'CONSENT_REQUIRED';
  constructor(customerId: string, channel: string) {
    super(
      `Customer ${customerId} has not consented to marketing by ${channel}, which the consent policy requires`,
      'data.channel',
    );
  }
}

/** Outbound marketing on a channel where the customer withdrew consent (or objected), whatever the policy. */
export class ConsentWithdrawnError extends DomainError {
  readonly code = 'CONSENT_WITHDRAWN';
  constructor(customerId: string, channel: string) {
    super(`Customer ${customerId} withdrew consent to marketing by ${channel}`, 'data.channel');
  }
}

/** A score off its metric's scale (NPS: integer 0-10; CSAT: integer 1-5). */
export class ScoreOutOfScaleError extends DomainError {
  readonly code = 'SCORE_OUT_OF_SCALE';
  constructor(metric: string, score: unknown, min?: number, max?: number) {
    super(
      min === undefined
        ? `unknown feedback metric ${metric}`
        : `a ${metric} score is an integer from ${min} to ${max}, not ${String(score)}`,
      min === undefined ? 'data.metric' : 'data.score',
    );
  }
}

export class ComplaintAlreadyOpenedError extends DomainError {
  readonly code = 'COMPLAINT_ALREADY_OPENED';
  constructor(customerId: string, complaintId: string) {
    super(`Complaint ${complaintId} of customer ${customerId} was already opened`, 'data.complaintId');
  }
}

export class ComplaintNotFoundError extends DomainError {
  readonly code = 'COMPLAINT_NOT_FOUND';
  constructor(customerId: string, complaintId: string) {
    super(`Customer ${customerId} has no complaint ${complaintId} to resolve`, 'data.complaintId');
  }
}

export class ComplaintAlreadyResolvedError extends DomainError {
  readonly code = 'COMPLAINT_ALREADY_RESOLVED';
  constructor(customerId: string, complaintId: string) {
    super(`Complaint ${complaintId} of customer ${customerId} was already resolved`, 'data.complaintId');
  }
}

/** Money that is not integer minor units within bounds, or not in an ISO 4217 currency. */
export class InvalidMoneyError extends DomainError {
  readonly code = 'INVALID_MONEY';
  constructor(field: string) {
    super(`${field} must be integer minor units (0 to 10^12) in an ISO 4217 currency`, field);
  }
}

/** New personal data (a feedback comment) for a customer whose personal data was erased: it cannot be kept. */
export class PersonalDataErasedError extends DomainError {
  readonly code = 'PERSONAL_DATA_ERASED';
  constructor(customerId: string, field: string) {
    super(`Customer ${customerId}'s personal data was erased: ${field} cannot be recorded`, field);
  }
}

/** Marketing spend whose period ends before it starts. */
export class SpendPeriodInvertedError extends DomainError {
  readonly code = 'SPEND_PERIOD_INVERTED';
  constructor(periodStart: string, periodEnd: string) {
    super(`periodEnd ${periodEnd} is before periodStart ${periodStart}`, 'data.periodEnd');
  }
}

/** Marketing spend of zero: nothing was spent, nothing to record. */
export class SpendNotPositiveError extends DomainError {
  readonly code = 'SPEND_NOT_POSITIVE';
  constructor() {
    super('a marketing spend is a positive amount', 'data.amount.minor');
  }
}
