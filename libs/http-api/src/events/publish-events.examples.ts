import type { ExamplesObject } from '@nestjs/swagger';

/**
 * The request examples of POST /v1/events in the OpenAPI document: README's curl examples, in the order
 * they succeed as given on a fresh store (the purchase expects revision 0: right after the acquisition).
 */
export const PUBLISH_EVENTS_EXAMPLES: ExamplesObject = {
  acquisition: {
    summary: 'Acquire a customer',
    value: {
      eventId: '0b8f8a1e-6d3c-4a7e-9a51-3f1d2c4b5a01',
      type: 'CustomerAcquired',
      customerId: 'c-10042',
      occurredAt: '2026-11-02T09:15:00Z',
      metadata: { source: 'signup-service', correlationId: 'req-76' },
      data: {
        channel: 'paid_search',
        campaign: 'autumn-26',
        profile: {
          name: 'Ada Rossi',
          email: 'ada@example.com',
          country: 'IT',
          city: 'Milano',
          birthYear: 1988,
        },
      },
    },
  },
  purchase: {
    summary: 'Record a purchase, expecting the stream at revision 0 (after the acquisition)',
    value: {
      eventId: '0b8f8a1e-6d3c-4a7e-9a51-3f1d2c4b5a60',
      type: 'CustomerPurchased',
      customerId: 'c-10042',
      occurredAt: '2026-11-20T14:03:00Z',
      expectedRevision: 0,
      metadata: { source: 'checkout-service', correlationId: 'req-77' },
      data: {
        orderId: 'o-9911',
        amount: { minor: 2599, currency: 'EUR' },
        channel: 'online',
        items: [{ sku: 'BK-1', category: 'books', quantity: 1, unitPrice: { minor: 2599, currency: 'EUR' } }],
      },
    },
  },
  batch: {
    summary:
      'A batch: a referred customer (consenting to e-mail marketing), the referral, a marketing e-mail',
    value: {
      events: [
        {
          eventId: '5d0c1c52-2f3a-4c9e-8d6b-0a1b2c3d4e01',
          type: 'CustomerAcquired',
          customerId: 'c-10043',
          occurredAt: '2026-11-21T10:00:00Z',
          // E-mail marketing is opt-in (the default CONSENT_POLICY): the contact below needs this consent.
          data: {
            channel: 'referral',
            referredBy: 'c-10042',
            profile: { country: 'FR' },
            consents: [{ channel: 'email', purpose: 'marketing' }],
          },
        },
        {
          eventId: '5d0c1c52-2f3a-4c9e-8d6b-0a1b2c3d4e02',
          type: 'CustomerReferred',
          customerId: 'c-10042',
          occurredAt: '2026-11-21T10:00:00Z',
          data: { referredCustomerId: 'c-10043', channel: 'link' },
        },
        {
          eventId: '5d0c1c52-2f3a-4c9e-8d6b-0a1b2c3d4e03',
          type: 'CustomerContacted',
          customerId: 'c-10043',
          occurredAt: '2026-11-21T11:30:00Z',
          data: { channel: 'email', direction: 'outbound', purpose: 'marketing', outcome: 'opened' },
        },
      ],
    },
  },
};
