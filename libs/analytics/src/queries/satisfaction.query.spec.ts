import type { TestAnalytics } from '../testing/analytics-test-database';
import { customerFactsHistory } from '../testing/customer-facts.history';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';
import { openProjectedStore } from './query-test.fixture';
import { SatisfactionQuery } from './satisfaction.query';

/*
 * customerFactsHistory (see the fixture): NPS answers in Q1 2026
 *   Jan  d1 3 (detractor)
 *   Feb  p1 10 (promoter), s1 7 (passive), d2 0 (detractor)
 *   Mar  p2 9 (promoter), d1 5 (detractor);  CSAT c1 5, c1 4, c2 2
 * NPS = (promoters - detractors) / answers x 100; CSAT = answers of 4-5 / answers x 100.
 */
describe('SatisfactionQuery', () => {
  let db: TestAnalytics;
  let query: SatisfactionQuery;
  const Q1 = { from: '2026-01-01', to: '2026-03-31' };

  beforeAll(async () => {
    db = await openProjectedStore('satisfaction', customerFactsHistory());
    query = new SatisfactionQuery(db.ch);
  });
  afterAll(() => db.drop());

  const nps = (rows: readonly { nps: number | null }[]) => rows.map((r) => r.nps);

  it('answers NPS and CSAT of the period, with the shares of each class', async () => {
    const answer = await query.scores(Q1);
    expect(answer.total).toEqual({
      npsResponses: 6,
      promoters: 2,
      passives: 1,
      detractors: 3,
      promoterShare: 0.333333, // 2 / 6
      passiveShare: 0.166667, // 1 / 6
      detractorShare: 0.5, // 3 / 6
      nps: -16.6667, // (2 - 3) / 6 x 100
      csatResponses: 3,
      satisfied: 2, // 5 and 4
      csat: 66.6667, // 2 / 3 x 100
      averageCsatScore: 3.666667, // (5 + 4 + 2) / 3
    });
  });

  it('per month and per quarter', async () => {
    const monthly = await query.scores({ ...Q1, period: 'month' });
    // Jan: 1 detractor -> -100; Feb: 1-1-1 -> 0; Mar: 1 promoter, 1 detractor -> 0
    expect(monthly.periods.map((p) => [p.period, p.npsResponses, p.nps, p.csat])).toEqual([
      ['2026-01-01', 1, -100, null],
      ['2026-02-01', 3, 0, null],
      ['2026-03-01', 2, 0, 66.6667],
    ]);
    const quarterly = await query.scores({ ...Q1, period: 'quarter' });
    expect(quarterly.periods.map((p) => [p.period, p.npsResponses, p.nps])).toEqual([
      ['2026-01-01', 6, -16.6667],
    ]);
  });

  it('by acquisition channel, cohort and country', async () => {
    const byChannel = await query.scores({ ...Q1, groupBy: 'channel' });
    // organic: s1 7 (passive) -> 0, CSAT c1 5 4, c2 2; paid_search: p1 10, p2 9 -> 100; paid_social: d1 3 5, d2 0 -> -100
    expect(byChannel.groups.map((g) => [g.group, g.npsResponses, g.nps, g.csat])).toEqual([
      ['organic', 1, 0, 66.6667],
      ['paid_search', 2, 100, null],
      ['paid_social', 3, -100, null],
    ]);
    const byCohort = await query.scores({ ...Q1, groupBy: 'cohort' });
    // 2026-01: p1 10, p2 9, d1 3, d1 5 -> (2 - 2) / 4 = 0; 2026-02: s1 7, d2 0 -> (0 - 1) / 2 = -50; 2026-03: CSAT only
    expect(byCohort.groups.map((g) => [g.group, g.npsResponses, g.nps, g.csatResponses])).toEqual([
      ['2026-01', 4, 0, 0],
      ['2026-02', 2, -50, 0],
      ['2026-03', 0, null, 3],
    ]);
    const byCountry = await query.scores({ ...Q1, groupBy: 'country' });
    // DE: CSAT only; FR: s1 7, d1 3 5 -> (0 - 2) / 3; IT: p1 10, p2 9, d2 0 -> (2 - 1) / 3
    expect(nps(byCountry.groups)).toEqual([null, -66.6667, 33.3333]);
    expect(byCountry.groups.map((g) => g.group)).toEqual(['DE', 'FR', 'IT']);
  });

  it('by RFM segment as of the end of the period', async () => {
    const answer = await query.scores({ ...Q1, groupBy: 'segment', currency: 'EUR' });
    // d2 and c2 never bought: no RFM segment. Every answer lands in exactly one group.
    const none = answer.groups.find((g) => g.group === 'no purchases');
    expect(none).toMatchObject({ npsResponses: 1, detractors: 1, csatResponses: 1, satisfied: 0 });
    expect(answer.groups.reduce((n, g) => n + g.npsResponses + g.csatResponses, 0)).toBe(9);
  });

  it('churn and lifetime value of promoters, passives and detractors', async () => {
    // Latest NPS by 03-31: p1 10, p2 9 (promoters); s1 7 (passive); d1 5, d2 0 (detractors).
    // Churned after that answer: p2 (03-20 > 03-10), d1 (03-15 > 03-01), d2 (02-28 > 02-12).
    const answer = await query.classes({ cutoff: '2026-03-31', currency: 'EUR' });
    expect(answer.classes.map((c) => [c.npsClass, c.customers, c.churned, c.churnRate])).toEqual([
      ['promoter', 2, 1, 0.5],
      ['passive', 1, 0, 0],
      ['detractor', 2, 2, 1],
    ]);
    // Revenue: promoters 150.00 + 20.00 = 170.00, 85.00 each; passive 30.00; detractors 10.00 + 0, 5.00 each.
    expect(answer.classes.map((c) => [c.revenue.minor, c.averageLtv?.minor])).toEqual([
      [17_000, 8_500],
      [3_000, 3_000],
      [1_000, 500],
    ]);
  });

  it('as of an earlier cutoff, with the answers known then', async () => {
    // By 02-20: d1's latest is 3 (01-25), not yet churned; d2 0 (churned 02-28: later).
    const answer = await query.classes({ cutoff: '2026-02-20', currency: 'EUR' });
    expect(answer.classes.map((c) => [c.npsClass, c.customers, c.churned])).toEqual([
      ['promoter', 1, 0],
      ['passive', 1, 0],
      ['detractor', 2, 0],
    ]);
  });

  it.each([
    [{ period: 'week' }, 'period'],
    [{ groupBy: 'city' }, 'groupBy'],
    [{ groupBy: 'segment' }, 'currency'],
    [{ groupBy: 'segment', currency: 'euro' }, 'currency'],
    [{ from: '2026-04-01' }, 'from'],
  ])('refuses %j naming %s', async (params, field) => {
    await expect(query.scores({ ...Q1, ...params })).rejects.toMatchObject({ field });
    await expect(query.scores({ ...Q1, ...params })).rejects.toBeInstanceOf(InvalidAnalyticsParameterError);
  });
});
