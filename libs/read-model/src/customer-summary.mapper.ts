import type { CustomerSummary } from './customer-summary.types';
import type { CustomerSpendEntity } from './entities/customer-spend.entity';
import type { CustomerEntity } from './entities/customer.entity';

/** Maps read-model rows to the same shape `foldCustomerSummary` computes, so the two compare with toEqual. */
export function toCustomerSummary(
  row: CustomerEntity,
  spendRows: readonly CustomerSpendEntity[],
): CustomerSummary {
  return {
    customerId: row.customerId,
    stage: row.stage,
    profile: {
      name: row.name,
      email: row.email,
      phone: row.phone,
      country: row.country,
      city: row.city,
      birthYear: row.birthYear,
      gender: row.gender,
      incomeBand: row.incomeBand,
    },
    attributes: row.attributes ?? {},
    acquisitionChannel: row.acquisitionChannel,
    acquisitionCampaign: row.acquisitionCampaign,
    referredBy: row.referredBy,
    acquiredAt: row.acquiredAt,
    churnedAt: row.churnedAt,
    churnReason: row.churnReason,
    reactivatedCount: row.reactivatedCount,
    erased: row.erasedAt !== null,
    erasedAt: row.erasedAt,
    contactsCount: row.contactsCount,
    firstContactAt: row.firstContactAt,
    lastContactAt: row.lastContactAt,
    purchasesCount: row.purchasesCount,
    firstPurchaseAt: row.firstPurchaseAt,
    lastPurchaseAt: row.lastPurchaseAt,
    spend: spendRows
      .filter((s) => s.customerId === row.customerId)
      .sort((a, b) => (a.currency < b.currency ? -1 : 1))
      .map((s) => ({ currency: s.currency, totalMinor: Number(s.totalMinor), purchases: s.purchases })),
    referralsMade: row.referralsMade,
    nps: row.nps,
    csat: row.csat,
    complaints: {
      opened: row.complaintsOpened,
      resolved: row.complaintsResolved,
      open: row.openComplaints ?? [],
    },
    consents: row.consents ?? [],
    preferences: row.preferences,
    costToServe: row.costToServe ?? [],
    compensation: row.compensation ?? [],
    streamRevision: row.streamRevision,
    lastGlobalPosition: row.lastGlobalPosition,
  };
}
