import type { TestAnalytics } from '../testing/analytics-test-database';
import { CampaignRoiQuery } from './campaign-roi.query';
import { customerFactsHistory, FACTS_ECONOMICS } from '../testing/customer-facts.history';
import { openProjectedStore } from './query-test.fixture';

/*
 * customerFactsHistory, as of 2026-03-31 in EUR, margin 0.8:
 *   spring/paid_search  spend 80.00 + 40.00 = 120.00 (the 9.99 USD is another currency), first day 01-01
 *                       customers p1 (100.00 on 01-10, 50.00 on 02-10) and p2 (20.00 on 01-12)
 *                       revenue 170.00, gross margin 136.00, CAC 120.00 / 2 = 60.00, ROI (136 - 120) / 120
 *                       cumulated margin: 01-10 80.00, 01-12 96.00, 02-10 136.00 >= 120.00 -> payback 02-10, 40 days
 *   promo/paid_social   spend 60.00; customers d1 (10.00) and d2 (nothing): revenue 10.00, margin 8.00,
 *                       CAC 30.00, ROI (8 - 60) / 60, no payback
 *   launch/email        spend 10.00, nobody acquired: no CAC, ROI -1
 *   summer              spend from June only: not by the cutoff, and nobody acquired: absent
 */
describe('CampaignRoiQuery', () => {
  let db: TestAnalytics;
  let query: CampaignRoiQuery;
  const asOf = { cutoff: '2026-03-31', currency: 'EUR' };

  beforeAll(async () => {
    db = await openProjectedStore('campaign_roi', customerFactsHistory());
    query = new CampaignRoiQuery(db.ch, FACTS_ECONOMICS);
  });
  afterAll(() => db.drop());

  it('answers spend, customers acquired, CAC, revenue, ROI and payback per campaign and channel', async () => {
    const answer = await query.campaigns({ ...asOf, predictions: false });
    expect(answer).toMatchObject({ cutoff: '2026-03-31', currency: 'EUR', margin: 0.8, clvModelId: null });
    const rows = answer.campaigns.map((c) => [
      c.campaign,
      c.channel,
      c.spend.minor,
      c.customersAcquired,
      c.buyers,
      c.cac?.minor ?? null,
      c.revenue.minor,
      c.grossMargin.minor,
      c.roi,
      c.paybackDays,
      c.paybackDay,
    ]);
    expect(rows).toEqual([
      ['launch', 'email', 1_000, 0, 0, null, 0, 0, -1, null, null],
      ['promo', 'paid_social', 6_000, 2, 1, 3_000, 1_000, 800, -0.866667, null, null], // (800 - 6000) / 6000
      ['spring', 'paid_search', 12_000, 2, 2, 6_000, 17_000, 13_600, 0.133333, 40, '2026-02-10'], // 1600 / 12000
    ]);
    expect(answer.campaigns[2].cac).toEqual({ minor: 6_000, currency: 'EUR', decimal: '60.00' });
  });

  it('adds the predicted CLV of the customers a campaign acquired, and the ROI with it', async () => {
    // A stored model's predictions: p1 5.00, p2 3.00 (spring); d1 4.00 (promo); s1 2.00 (no campaign).
    await db.ch.client.insert({
      table: `${db.database}.clv_predictions`,
      format: 'JSONEachRow',
      values: [
        ['p1', 500],
        ['p2', 300],
        ['d1', 400],
        ['s1', 200],
      ].map(([customer_id, clv_minor]) => ({ model_id: 'hand', customer_id, clv_minor, p_alive: 0.5 })),
    });
    const answer = await query.campaigns({ ...asOf, clvModelId: 'hand' });
    expect(answer.clvModelId).toBe('hand');
    expect(answer.campaigns.map((c) => [c.campaign, c.predictedClv?.minor, c.predictedRoi])).toEqual([
      ['launch', 0, -1],
      ['promo', 400, -0.8], // (800 + 400 - 6000) / 6000
      ['spring', 800, 0.2], // (13600 + 800 - 12000) / 12000
    ]);
  });

  it('as of an earlier cutoff: spend, customers and revenue known then', async () => {
    // By 01-31 spring had spent 80.00 (February's period starts later); p1's 100.00 on 01-10 is 80.00 of margin,
    // which pays it back that day: 9 days after 01-01. promo: d1 only (d2 comes 02-10), spend 60.00.
    const answer = await query.campaigns({ cutoff: '2026-01-31', currency: 'EUR', predictions: false });
    expect(
      answer.campaigns.map((c) => [c.campaign, c.spend.minor, c.customersAcquired, c.paybackDays]),
    ).toEqual([
      ['promo', 6_000, 1, null],
      ['spring', 8_000, 2, 9],
    ]);
  });

  it('keeps currencies apart', async () => {
    const answer = await query.campaigns({ cutoff: '2026-03-31', currency: 'USD', predictions: false });
    // Only spring has USD spend (9.99); its customers bought in EUR: no USD revenue.
    expect(answer.campaigns.find((c) => c.campaign === 'spring')).toMatchObject({
      spend: { minor: 999, currency: 'USD' },
      revenue: { minor: 0 },
      roi: -1,
    });
  });

  it('refuses a bad currency, naming it', async () => {
    await expect(query.campaigns({ cutoff: '2026-03-31', currency: 'eur' })).rejects.toMatchObject({
      field: 'currency',
    });
  });
});
