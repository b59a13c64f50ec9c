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
