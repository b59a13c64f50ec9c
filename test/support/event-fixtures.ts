import { randomUUID } from 'node:crypto';

/** Valid published events, as a service would send them. Override any field per test. */
export const acquiredEvent = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'CustomerAcquired',
  customerId,
  occurredAt: '2026-01-05T09:00:00Z',
  metadata: { source: 'signup-service', correlationId: 'req-1' },
  data: {
    channel: 'paid_search',
    campaign: 'spring-26',
    profile: { name: 'Ada Rossi', email: 'ada@example.com', country: 'IT', city: 'Milano', birthYear: 1988 },
    attributes: { plan: 'gold' },
    // E-mail marketing is opt-in by default (CONSENT_POLICY): contactedEvent's newsletter needs this.
    consents: [{ channel: 'email', purpose: 'marketing' }],
  },
  ...overrides,
});

export const purchasedEvent = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'CustomerPurchased',
  customerId,
  occurredAt: '2026-02-01T14:03:00Z',
  metadata: { source: 'checkout-service' },
  data: {
    orderId: `o-${randomUUID().slice(0, 8)}`,
    amount: { minor: 2599, currency: 'EUR' },
    channel: 'online',
    items: [{ sku: 'BK-1', category: 'books', quantity: 1, unitPrice: { minor: 2599, currency: 'EUR' } }],
  },
  ...overrides,
});

export const contactedEvent = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'CustomerContacted',
  customerId,
  occurredAt: '2026-01-20T10:00:00Z',
  data: {
    channel: 'email',
    direction: 'outbound',
    purpose: 'marketing',
    campaign: 'newsletter',
    outcome: 'opened',
  },
  ...overrides,
});

export const churnedEvent = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'CustomerChurned',
  customerId,
  occurredAt: '2026-03-01T00:00:00Z',
  data: { reason: 'price', voluntary: true },
  ...overrides,
});

export const referredEvent = (customerId: string, referredCustomerId: string) => ({
  eventId: randomUUID(),
  type: 'CustomerReferred',
  customerId,
  occurredAt: '2026-01-25T12:00:00Z',
  data: { referredCustomerId, channel: 'link' },
});
