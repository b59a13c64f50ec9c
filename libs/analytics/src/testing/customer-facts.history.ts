import type { RecordedEvent } from '@crm/event-store';
import { RecordedHistoryBuilder } from './recorded-history.builder';
import type { CustomerEconomics } from '../queries/customer-economics';

/**
 * Seven customers in Q1 2026 with satisfaction answers, complaints, contacts and campaign spend, for the
 * hand-checked tests of the satisfaction, complaint, campaign and profitability answers (times UTC, EUR):
 *
 *   id  acquired  channel/campaign        country  purchases             NPS / CSAT                  other
 *   p1  01-05     paid_search / spring    IT       01-10 100.00, 02-10 50.00  NPS 10 (02-15)      email contact 01-20 (table)
 *   p2  01-06     paid_search / spring    IT       01-12 20.00           NPS 9 (03-10)                churned 03-20
 *   d1  01-10     paid_social / promo     FR       01-15 10.00           NPS 3 (01-25), 5 (03-01)     complaint k1 delivery 01-20 10:00,
 *                                                                                                     resolved 01-22 10:00 (48 h), 5.00 back;
 *                                                                                                     phone contact 01-21 costing 6.00; churned 03-15
 *   s1  02-01     organic                 FR       02-05 30.00           NPS 7 (02-20)
 *   d2  02-10     paid_social / promo     IT       none                  NPS 0 (02-12)                complaint k2 billing 02-15, never resolved;
 *                                                                                                     phone contact 02-16 (table); churned 02-28
 *   c1  03-01     organic                 DE       03-02 40.00           CSAT 5 (03-05), 4 (03-06)    complaint k3 delivery 03-03 10:00,
 *                                                                                                     resolved 03-04 22:00 (36 h), no compensation
 *   c2  03-02     organic                 DE       none                  CSAT 2 (03-10)               email contact 03-11 costing 0.50 USD
 *
 * Spend (campaign streams): spring/paid_search 80.00 for January and 40.00 for February, plus 9.99 USD;
 * promo/paid_social 60.00 for Q1; launch/email 10.00 in March (nobody acquired); summer/paid_search 70.00
 * from June (after the cutoffs used).
 */
export function customerFactsHistory(): RecordedEvent[] {
  const h = new RecordedHistoryBuilder('facts');
  const at = (day: string, time = '10:00:00') => `2026-${day}T${time}Z`;
  h.acquired('p1', at('01-05'), { channel: 'paid_search', campaign: 'spring', profile: { country: 'IT' } })
    .acquired('p2', at('01-06'), { channel: 'paid_search', campaign: 'spring', profile: { country: 'IT' } })
    .acquired('d1', at('01-10'), { channel: 'paid_social', campaign: 'promo', profile: { country: 'FR' } })
    .acquired('s1', at('02-01'), { channel: 'organic', profile: { country: 'FR' } })
    .acquired('d2', at('02-10'), { channel: 'paid_social', campaign: 'promo', profile: { country: 'IT' } })
    .acquired('c1', at('03-01'), { channel: 'organic', profile: { country: 'DE' } })
    .acquired('c2', at('03-02'), { channel: 'organic', profile: { country: 'DE' } });
  h.purchased('p1', at('01-10'), { minor: 10_000 })
    .purchased('p1', at('02-10'), { minor: 5_000 })
    .purchased('p2', at('01-12'), { minor: 2_000 })
    .purchased('d1', at('01-15'), { minor: 1_000 })
    .purchased('s1', at('02-05'), { minor: 3_000 })
    .purchased('c1', at('03-02'), { minor: 4_000 });
  h.feedback('p1', at('02-15'), 'nps', 10)
    .feedback('p2', at('03-10'), 'nps', 9)
    .feedback('d1', at('01-25'), 'nps', 3, 'late again')
    .feedback('d1', at('03-01'), 'nps', 5)
    .feedback('s1', at('02-20'), 'nps', 7)
    .feedback('d2', at('02-12'), 'nps', 0)
    .feedback('c1', at('03-05'), 'csat', 5)
    .feedback('c1', at('03-06'), 'csat', 4)
    .feedback('c2', at('03-10'), 'csat', 2);
  h.complaintOpened('d1', at('01-20'), 'k1', 'delivery')
    .complaintResolved('d1', at('01-22'), 'k1', { minor: 500 })
    .complaintOpened('d2', at('02-15'), 'k2', 'billing')
    .complaintOpened('c1', at('03-03'), 'k3', 'delivery')
    .complaintResolved('c1', at('03-04', '22:00:00'), 'k3');
  h.contactedOn('p1', at('01-20'), 'email')
    .contactedOn('d1', at('01-21'), 'phone', { minor: 600 })
    .contactedOn('d2', at('02-16'), 'phone')
    .contactedOn('c2', at('03-11'), 'email', { minor: 50, currency: 'USD' });
  h.churned('d2', at('02-28')).churned('d1', at('03-15')).churned('p2', at('03-20'));
  const spend = (
    periodStart: string,
    periodEnd: string,
    minor: number,
    channel: string,
    currency = 'EUR',
  ) => ({
    channel,
    periodStart,
    periodEnd,
    minor,
    currency,
  });
  h.spend('spring', at('01-31'), spend('2026-01-01', '2026-01-31', 8_000, 'paid_search'))
    .spend('spring', at('02-28'), spend('2026-02-01', '2026-02-28', 4_000, 'paid_search'))
    .spend('spring', at('02-28'), spend('2026-02-01', '2026-02-28', 999, 'paid_search', 'USD'))
    .spend('promo', at('03-31'), spend('2026-01-01', '2026-03-31', 6_000, 'paid_social'))
    .spend('launch', at('03-31'), spend('2026-03-01', '2026-03-31', 1_000, 'email'))
    .spend('summer', at('06-30'), spend('2026-06-01', '2026-06-30', 7_000, 'paid_search'));
  return h.events;
}

/** Margin 80%; e-mails 0.05 and calls 4.00 each unless a contact has its own cost. */
export const FACTS_ECONOMICS: CustomerEconomics = {
  margin: 0.8,
  costToServe: { currency: 'EUR', minorByChannel: { email: 5, phone: 400 } },
};
