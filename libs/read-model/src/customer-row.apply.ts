import {
  PERSONAL_PROFILE_FIELDS,
  type CustomerAcquiredData,
  type CustomerChurnedData,
  type CustomerPurchasedData,
} from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import { CustomerSpendEntity } from './entities/customer-spend.entity';
import { CustomerEntity } from './entities/customer.entity';
import { MalformedEventError } from './read-model.errors';
import { maxIso, minIso, toIsoUtc } from './iso-time';

/** A row for a customer the read model has not seen; `streamRevision` -1 means "nothing applied yet". */
export function newCustomerRow(customerId: string, now: string): CustomerEntity {
  return Object.assign(new CustomerEntity(), {
    customerId,
    name: null,
    email: null,
    phone: null,
    country: null,
    city: null,
    birthYear: null,
    gender: null,
    incomeBand: null,
    attributes: {},
    stage: 'acquired',
    acquisitionChannel: null,
    acquisitionCampaign: null,
    referredBy: null,
    acquiredAt: null,
    churnedAt: null,
    churnReason: null,
    reactivatedCount: 0,
    erasedAt: null,
    contactsCount: 0,
    purchasesCount: 0,
    referralsMade: 0,
    firstPurchaseAt: null,
    lastPurchaseAt: null,
    firstContactAt: null,
    lastContactAt: null,
    streamRevision: -1,
    lastGlobalPosition: '0',
    updatedAt: now,
  } satisfies CustomerEntity);
}

export function newSpendRow(customerId: string, currency: string): CustomerSpendEntity {
  return Object.assign(new CustomerSpendEntity(), { customerId, currency, totalMinor: '0', purchases: 0 });
}

/**
 * Applies one event's increments to the customer's row (and spend rows, through `spendRow`), in place.
 * The caller has already checked the revision; unknown types change nothing here (forward compatibility).
 */
export function applyEventToRow(
  row: CustomerEntity,
  event: RecordedEvent,
  spendRow: (currency: string) => CustomerSpendEntity,
): void {
  const at = toIsoUtc(event.occurredAt);
  switch (event.type) {
    case 'CustomerAcquired': {
      const data = event.data as unknown as CustomerAcquiredData;
      const profile = data.profile ?? {};
      row.name = profile.name ?? null;
      row.email = profile.email ?? null;
      row.phone = profile.phone ?? null;
      row.country = profile.country ?? null;
      row.city = profile.city ?? null;
      row.birthYear = profile.birthYear ?? null;
      row.gender = profile.gender ?? null;
      row.incomeBand = profile.incomeBand ?? null;
      row.attributes = { ...(data.attributes ?? {}) };
      row.acquisitionChannel = data.channel ?? null;
      row.acquisitionCampaign = data.campaign ?? null;
      row.referredBy = data.referredBy ?? null;
      row.acquiredAt = at;
      return;
    }
    case 'CustomerContacted':
      row.contactsCount += 1;
      row.firstContactAt = minIso(row.firstContactAt, at);
      row.lastContactAt = maxIso(row.lastContactAt, at);
      return;
    case 'CustomerPurchased': {
      const { amount } = (event.data ?? {}) as Partial<CustomerPurchasedData>;
      if (!amount || !Number.isSafeInteger(amount.minor) || typeof amount.currency !== 'string') {
        throw new MalformedEventError(
          event.eventId,
          'CustomerPurchased needs amount {minor: integer, currency}',
        );
      }
      const spend = spendRow(amount.currency);
      spend.totalMinor = (BigInt(spend.totalMinor) + BigInt(amount.minor)).toString();
      spend.purchases += 1;
      row.purchasesCount += 1;
      row.firstPurchaseAt = minIso(row.firstPurchaseAt, at);
      row.lastPurchaseAt = maxIso(row.lastPurchaseAt, at);
      // A churned customer's purchase is always preceded by CustomerReactivated (the decider emits it).
      if (row.stage !== 'churned') row.stage = 'active';
      return;
    }
    case 'CustomerReferred':
      row.referralsMade += 1;
      return;
    case 'CustomerChurned': {
      const data = event.data as unknown as CustomerChurnedData;
      row.stage = 'churned';
      row.churnedAt = at;
      row.churnReason = data.reason ?? null;
      return;
    }
    case 'CustomerReactivated':
      row.reactivatedCount += 1;
      row.stage = row.purchasesCount > 0 ? 'active' : 'acquired';
      return;
    case 'CustomerPersonalDataErased':
      // The event store no longer yields these fields (their key is gone); this clears the live row too.
      for (const field of PERSONAL_PROFILE_FIELDS) row[field] = null;
      row.erasedAt = row.erasedAt ?? at;
      return;
  }
}
