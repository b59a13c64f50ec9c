import {
  customerIdFromStream,
  type CustomerAcquiredData,
  type CustomerChurnedData,
  type CustomerPurchasedData,
  PERSONAL_PROFILE_FIELDS,
} from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import type { CustomerSummary, SpendTotal } from './customer-summary.types';
import { toIsoUtc } from './iso-time';

/**
 * The reference definition of the Customer 360: a pure fold over one customer's stream, written without
 * looking at how the projector updates rows. End-to-end tests assert `read model == fold(stream)`.
 * The events must be one stream, in revision order, without duplicates (as the store returns it).
 */
export function foldCustomerSummary(events: readonly RecordedEvent[]): CustomerSummary {
  if (events.length === 0) throw new Error('foldCustomerSummary needs at least one event');
  const customerId = customerIdFromStream(events[0].streamId);

  let s: Omit<CustomerSummary, 'stage' | 'spend' | 'erased'> = {
    customerId,
    profile: {
      name: null,
      email: null,
      phone: null,
      country: null,
      city: null,
      birthYear: null,
      gender: null,
      incomeBand: null,
    },
    attributes: {},
    acquisitionChannel: null,
    acquisitionCampaign: null,
    referredBy: null,
    acquiredAt: null,
    churnedAt: null,
    churnReason: null,
    reactivatedCount: 0,
    erasedAt: null,
    contactsCount: 0,
    firstContactAt: null,
    lastContactAt: null,
    purchasesCount: 0,
    firstPurchaseAt: null,
    lastPurchaseAt: null,
    referralsMade: 0,
    streamRevision: -1,
    lastGlobalPosition: '0',
  };
  let churned = false;
  const spend = new Map<string, { total: bigint; purchases: number }>();
  const earliest = (a: string | null, b: string) => [a ?? b, b].sort()[0];
  const latest = (a: string | null, b: string) => [a ?? b, b].sort()[1];

  for (const event of events) {
    const at = toIsoUtc(event.occurredAt);
    s = { ...s, streamRevision: event.streamRevision, lastGlobalPosition: event.globalPosition.toString() };
    switch (event.type) {
      case 'CustomerAcquired': {
        const data = event.data as unknown as CustomerAcquiredData;
        const p = data.profile ?? {};
        s = {
          ...s,
          profile: {
            name: p.name ?? null,
            email: p.email ?? null,
            phone: p.phone ?? null,
            country: p.country ?? null,
            city: p.city ?? null,
            birthYear: p.birthYear ?? null,
            gender: p.gender ?? null,
            incomeBand: p.incomeBand ?? null,
          },
          attributes: { ...(data.attributes ?? {}) },
          acquisitionChannel: data.channel ?? null,
          acquisitionCampaign: data.campaign ?? null,
          referredBy: data.referredBy ?? null,
          acquiredAt: at,
        };
        break;
      }
      case 'CustomerContacted':
        s = {
          ...s,
          contactsCount: s.contactsCount + 1,
          firstContactAt: earliest(s.firstContactAt, at),
          lastContactAt: latest(s.lastContactAt, at),
        };
        break;
      case 'CustomerPurchased': {
        const { amount } = event.data as unknown as CustomerPurchasedData;
        const before = spend.get(amount.currency) ?? { total: 0n, purchases: 0 };
        spend.set(amount.currency, {
          total: before.total + BigInt(amount.minor),
          purchases: before.purchases + 1,
        });
        s = {
          ...s,
          purchasesCount: s.purchasesCount + 1,
          firstPurchaseAt: earliest(s.firstPurchaseAt, at),
          lastPurchaseAt: latest(s.lastPurchaseAt, at),
        };
        break;
      }
      case 'CustomerReferred':
        s = { ...s, referralsMade: s.referralsMade + 1 };
        break;
      case 'CustomerChurned': {
        const data = event.data as unknown as CustomerChurnedData;
        churned = true;
        s = { ...s, churnedAt: at, churnReason: data.reason ?? null };
        break;
      }
      case 'CustomerReactivated':
        churned = false;
        s = { ...s, reactivatedCount: s.reactivatedCount + 1 };
        break;
      case 'CustomerPersonalDataErased': {
        const profile = { ...s.profile };
        for (const field of PERSONAL_PROFILE_FIELDS) profile[field] = null;
        s = { ...s, profile, erasedAt: s.erasedAt ?? at };
        break;
      }
      default:
      // Unknown types (newer publishers) only move the revision and position.
    }
  }

  const stage = churned ? 'churned' : s.purchasesCount > 0 ? 'active' : 'acquired';
  const spendTotals: SpendTotal[] = [...spend.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, v]) => ({ currency, totalMinor: Number(v.total), purchases: v.purchases }));
  return { ...s, stage, spend: spendTotals, erased: s.erasedAt !== null };
}
