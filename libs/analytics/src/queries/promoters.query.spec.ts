import type { TestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { PromotersQuery } from './promoters.query';
import { openProjectedStore } from './query-test.fixture';

/*
 * Period 2025-01-01 .. 2025-06-30, EUR.
 *   r1 refers x0 (2024-12-20, before the period), x1 (01-10), x2 (02-10).
 *      x0 acquired 2024-12-22 via r1 (before: not counted, nor its 50.00 in March);
 *      x1 acquired 01-15 via r1, buys 10.00 (02-01), 3.00 USD, and 5.00 on 07-10 (after the period);
 *      x2 acquired 02-12 via r1, buys nothing.
 *   r2 shares a referral code (03-01); y1 (03-05) buys 25.00; y2 (04-01) buys 7.00 + 8.00.
 *   r3 made no referral in the period, but z1 was acquired 05-01 through them; z1 buys nothing.
 *   r4 refers zz (06-10), who is never acquired.
 */
function history() {
  const h = new RecordedHistoryBuilder('promoters');
  for (const r of ['r1', 'r2', 'r3', 'r4']) h.acquired(r, '2024-06-01T10:00:00Z');
  const via = (referredBy: string) => ({ channel: 'referral', referredBy });
  return h
    .referred('r1', '2024-12-20T10:00:00Z', 'x0')
    .acquired('x0', '2024-12-22T10:00:00Z', via('r1'))
    .referred('r1', '2025-01-10T10:00:00Z', 'x1')
    .acquired('x1', '2025-01-15T10:00:00Z', via('r1'))
    .purchased('x1', '2025-02-01T10:00:00Z', { minor: 1000 })
    .purchased('x1', '2025-02-02T10:00:00Z', { minor: 300, currency: 'USD' })
    .referred('r1', '2025-02-10T10:00:00Z', 'x2')
    .acquired('x2', '2025-02-12T10:00:00Z', via('r1'))
    .add('r2', 'CustomerReferred', '2025-03-01T10:00:00Z', { referralCode: 'R2CODE', channel: 'link' })
    .purchased('x0', '2025-03-02T10:00:00Z', { minor: 5000 })
    .acquired('y1', '2025-03-05T10:00:00Z', via('r2'))
    .purchased('y1', '2025-03-06T10:00:00Z', { minor: 2500 })
    .acquired('y2', '2025-04-01T10:00:00Z', via('r2'))
    .purchased('y2', '2025-04-02T10:00:00Z', { minor: 700 })
    .purchased('y2', '2025-05-02T10:00:00Z', { minor: 800 })
    .acquired('z1', '2025-05-01T10:00:00Z', via('r3'))
    .referred('r4', '2025-06-10T10:00:00Z', 'zz')
    .purchased('x1', '2025-07-10T10:00:00Z', { minor: 500 }).events;
}

const PERIOD = { from: '2025-01-01', to: '2025-06-30', currency: 'EUR' };

describe('PromotersQuery', () => {
  let db: TestAnalytics;
  let query: PromotersQuery;

  beforeAll(async () => {
    db = await openProjectedStore('promoters', history());
    query = new PromotersQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('counts referrals, referred customers and their revenue per referrer, top referrers first', async () => {
    const answer = await query.promoters(PERIOD);
    expect(
      answer.topReferrers.map((p) => [
        p.referrerId,
        p.referralsMade,
        p.referredAcquired,
        p.referredBuyers,
        p.referredRevenue.minor,
      ]),
    ).toEqual([
      ['r2', 1, 2, 2, 4000], // y1 2500 + y2 700 + 800
      ['r1', 2, 2, 1, 1000], // x1 and x2 acquired; only x1's EUR order inside the period counts
      ['r3', 0, 1, 0, 0], // z1, no referral event in the period: ranks above r4 on customers acquired
      ['r4', 1, 0, 0, 0],
    ]);
    expect(answer.totals).toEqual({
      referrers: 4,
      referralsMade: 4,
      referredAcquired: 5,
      referredBuyers: 3,
      referredRevenue: { minor: 5000, currency: 'EUR', decimal: '50.00' },
    });
  });

  it('ranks by referrals made and limits the list', async () => {
    const answer = await query.promoters({ ...PERIOD, rankBy: 'referrals', limit: 2 });
    // r1 2 referrals; r2 and r4 1 each, r2 ahead on customers acquired (2 vs 0)
    expect(answer.topReferrers.map((p) => p.referrerId)).toEqual(['r1', 'r2']);
  });

  it('keeps currencies apart', async () => {
    const answer = await query.promoters({ ...PERIOD, currency: 'USD' });
    expect(answer.totals.referredRevenue.minor).toBe(300); // x1's USD order
    expect(answer.totals.referredBuyers).toBe(1);
  });
});
