import type { ExamplesObject } from '@nestjs/swagger';

/** The request example of POST /v1/marketing/spend in the OpenAPI document: README's curl example. */
export const MARKETING_SPEND_EXAMPLES: ExamplesObject = {
  spend: {
    summary: "A month of paid search for the campaign README's acquisition names",
    value: {
      eventId: '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e50',
      occurredAt: '2026-12-01T08:00:00Z',
      metadata: { source: 'finance-service' },
      data: {
        campaign: 'autumn-26',
        channel: 'paid_search',
        periodStart: '2026-11-01',
        periodEnd: '2026-11-30',
        amount: { minor: 1250000, currency: 'EUR' },
      },
    },
  },
};
