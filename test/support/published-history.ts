import { commandForPublishedEvent, decide, evolve, initialState, PublishableEventType } from '@crm/domain';
import { seededRandom } from '@crm/read-model/testing';
import { randomUUID } from 'node:crypto';

export interface PublishedEvent {
  eventId: string;
  type: PublishableEventType;
  customerId: string;
  occurredAt: string;
  data: Record<string, unknown>;
  metadata?: Record<string, string>;
}

const CURRENCIES = ['EUR', 'USD', 'GBP'];
const CHANNELS = ['organic', 'paid_search', 'email', 'referral', 'partner'] as const;

/**
 * Events as services would publish them for `customers` customers, about `eventsPerCustomer` each, all
 * valid under the lifecycle rules (candidates the decider would refuse are dropped). Returned interleaved
 * across customers, each customer's own events in order, ready to be sent in batches.
 */
export function publishedHistory(customers: number, eventsPerCustomer: number, seed = 7): PublishedEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const perCustomer: PublishedEvent[][] = [];
  const runId = randomUUID().slice(0, 8);
  for (let c = 0; c < customers; c++) {
    const customerId = `c-${runId}-${c}`;
    const currency = pick(CURRENCIES);
    let state = initialState();
    let time = Date.UTC(2025, 0, 1) + Math.floor(random() * 300) * 86_400_000;
    const events: PublishedEvent[] = [];
    const offer = (type: PublishableEventType, data: Record<string, unknown>) => {
      time += Math.floor(random() * 20 * 86_400_000);
      const event: PublishedEvent = {
        eventId: randomUUID(),
        type,
        customerId,
        occurredAt: new Date(time).toISOString(),
        data,
        metadata: { source: 'e2e-generator' },
      };
      try {
        for (const emitted of decide(commandForPublishedEvent(event), state)) state = evolve(state, emitted);
        events.push(event);
      } catch {
        // The decider refuses it: a real publisher would get 422, so the history leaves it out.
      }
    };
    offer('CustomerAcquired', {
      channel: pick(CHANNELS),
      campaign: `camp-${Math.floor(random() * 5)}`,
      ...(c > 0 && random() < 0.2 ? { referredBy: `c-${runId}-${Math.floor(random() * c)}` } : {}),
      profile: {
        name: `Customer ${c}`,
        email: `c${c}@example.com`,
        country: pick(['IT', 'FR', 'DE', 'US']),
        birthYear: 1950 + Math.floor(random() * 55),
      },
    });
    while (events.length < eventsPerCustomer) {
      const roll = random();
      if (roll < 0.45) {
        const minor = 100 + Math.floor(random() * 20_000);
        offer('CustomerPurchased', {
          orderId: `o-${randomUUID().slice(0, 12)}`,
          amount: { minor, currency },
          channel: pick(['online', 'store']),
          items: [
            {
              sku: `SKU-${Math.floor(random() * 50)}`,
              category: pick(['books', 'music', 'games']),
              quantity: 1,
              unitPrice: { minor, currency },
            },
          ],
        });
      } else if (roll < 0.8) {
        offer('CustomerContacted', {
          channel: pick(['email', 'phone', 'sms']),
          direction: pick(['inbound', 'outbound']),
          purpose: pick(['sales', 'support', 'marketing', 'retention', 'survey']),
        });
      } else if (roll < 0.9) {
        offer('CustomerReferred', { referralCode: `REF-${randomUUID().slice(0, 6)}`, channel: 'link' });
      } else {
        offer('CustomerChurned', {
          reason: pick(['price', 'service', 'competitor']),
          voluntary: random() < 0.7,
        });
      }
    }
    perCustomer.push(events);
  }
  // Round-robin: every batch spans many customers while each customer's order is kept.
  const interleaved: PublishedEvent[] = [];
  for (let i = 0; i < eventsPerCustomer; i++)
    for (const events of perCustomer) if (events[i]) interleaved.push(events[i]);
  return interleaved;
}
