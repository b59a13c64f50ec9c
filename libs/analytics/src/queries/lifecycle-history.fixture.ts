import type { RecordedEvent } from '@crm/event-store';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';

/**
 * Eleven customers around Q1 2025 for the funnel and churn tests (times UTC):
 *   a  acquired 2024-12-15, bought; churned 01-15; back (purchase) 03-20; churned again 04-05
 *   h  acquired 01-05 (paid_social), bought 01-06; churned 02-01; back (purchase) 03-05
 *   b  acquired 01-10, nothing else               c  acquired 01-20, one outbound contact (not their action)
 *   d  acquired 02-01, one inbound contact        e  acquired 02-05, bought 02-06
 *   f  acquired 02-10 (paid_social), bought 02-11 and 03-11
 *   g  acquired 03-01 (paid_social), bought 03-02, churned 03-10
 *   i  acquired 03-20, referred someone 03-21     k  acquired 03-25, bought 04-10
 *   j  acquired 04-02
 */
export function lifecycleHistory(): RecordedEvent[] {
  const paid = { channel: 'paid_social' };
  return new RecordedHistoryBuilder('lifecycle')
    .acquired('a', '2024-12-15T10:00:00Z')
    .purchased('a', '2024-12-20T10:00:00Z', { minor: 1000 })
    .churned('a', '2025-01-15T10:00:00Z')
    .acquired('h', '2025-01-05T10:00:00Z', paid)
    .purchased('h', '2025-01-06T10:00:00Z', { minor: 1000 })
    .acquired('b', '2025-01-10T10:00:00Z')
    .acquired('c', '2025-01-20T10:00:00Z')
    .contacted('c', '2025-01-21T10:00:00Z', 'outbound')
    .acquired('d', '2025-02-01T09:00:00Z')
    .churned('h', '2025-02-01T10:00:00Z')
    .contacted('d', '2025-02-02T10:00:00Z', 'inbound')
    .acquired('e', '2025-02-05T10:00:00Z')
    .purchased('e', '2025-02-06T10:00:00Z', { minor: 1000 })
    .acquired('f', '2025-02-10T10:00:00Z', paid)
    .purchased('f', '2025-02-11T10:00:00Z', { minor: 1000 })
    .acquired('g', '2025-03-01T09:00:00Z', paid)
    .purchased('g', '2025-03-02T10:00:00Z', { minor: 1000 })
    .reactivated('h', '2025-03-05T10:00:00Z')
    .purchased('h', '2025-03-05T10:00:00Z', { minor: 1000 })
    .churned('g', '2025-03-10T10:00:00Z')
    .purchased('f', '2025-03-11T10:00:00Z', { minor: 1000 })
    .acquired('i', '2025-03-20T10:00:00Z')
    .reactivated('a', '2025-03-20T10:00:00Z')
    .purchased('a', '2025-03-20T10:00:00Z', { minor: 1000 })
    .referred('i', '2025-03-21T10:00:00Z', 'someone')
    .acquired('k', '2025-03-25T10:00:00Z')
    .acquired('j', '2025-04-02T10:00:00Z')
    .churned('a', '2025-04-05T10:00:00Z')
    .purchased('k', '2025-04-10T10:00:00Z', { minor: 1000 }).events;
}
