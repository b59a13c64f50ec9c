import { AnalyticsProjector, type AnalyticsApplyResult } from '@crm/analytics';
import { RecordedHistoryBuilder } from '@crm/analytics/testing';
import type { RecordedEvent } from '@crm/event-store';

/** Six customers over two currencies, with a referral, a churn and a win-back: small, but every answer has rows. */
export function analyticsHistory(): RecordedEvent[] {
  const h = new RecordedHistoryBuilder('consumer');
  for (let i = 1; i <= 6; i++) {
    const id = `k-${i}`;
    h.acquired(id, `2025-0${i}-01T08:00:00Z`, {
      channel: i % 2 ? 'organic' : 'referral',
      profile: { country: 'DE' },
    });
    h.purchased(id, `2025-0${i}-02T10:00:00Z`, {
      minor: 1000 * i,
      currency: i === 6 ? 'USD' : 'EUR',
      items: [{ sku: `S-${i}`, category: i % 2 ? 'books' : 'music', quantity: 1, unitMinor: 1000 * i }],
    });
    if (i % 3 === 0) h.purchased(id, `2025-0${i}-20T18:00:00Z`, { minor: 500 });
  }
  h.referred('k-1', '2025-02-01T08:00:00Z', 'k-2');
  h.churned('k-4', '2025-05-01T00:00:00Z');
  h.reactivated('k-4', '2025-06-10T09:00:00Z').purchased('k-4', '2025-06-10T09:00:00Z', { minor: 700 });
  return h.events;
}

export const ANALYTICS_SNAPSHOT = { cutoff: '2025-07-31', start: '2025-01-01', currency: 'EUR' };

/** A projector that records its writes and can be told to fail after writing (a crash before the commit). */
export class ObservedProjector extends AnalyticsProjector {
  readonly writes: number[] = [];
  crashAfterWrite = 0;

  override async apply(
    events: readonly RecordedEvent[],
    options?: { leaveOut?: boolean },
  ): Promise<AnalyticsApplyResult> {
    const result = await super.apply(events, options);
    this.writes.push(events.length);
    if (this.crashAfterWrite > 0) {
      this.crashAfterWrite -= 1;
      throw new Error('process died after the ClickHouse write, before the offsets were committed');
    }
    return result;
  }
}
