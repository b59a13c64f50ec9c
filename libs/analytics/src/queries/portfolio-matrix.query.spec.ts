import type { TestAnalytics } from '../testing/analytics-test-database';
import { openTestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { AnalyticsProjector } from '../projector/analytics.projector';
import { PortfolioMatrixQuery } from './portfolio-matrix.query';
import { customerFactsHistory, FACTS_ECONOMICS } from '../testing/customer-facts.history';
import { openProjectedStore } from './query-test.fixture';
import { PredictiveLtvQuery } from './predictive-ltv.query';

/*
 * Predictions of a hand-made model 'hand' (EUR), written straight into clv_predictions:
 *   customer  CLV   P(alive)  repeat purchases
 *   A         4.00  0.90      2
 *   B         3.00  0.20      3
 *   C         2.00  0.80      1
 *   D         1.00  0.90      0     (never came back: not retained, whatever P(alive) says)
 *   E         2.50  0.95      5
 * Median CLV (interpolated) of 100 200 250 300 400 = 250: high potential = above 250 -> A, B.
 * Loyal (P(alive) >= 0.5 and retained) -> A, C, E.
 *   acquire more like them: A | develop: C, E | retain: B | remove or serve at lower cost: D
 */
const HAND = [
  ['A', 400, 0.9, 2],
  ['B', 300, 0.2, 3],
  ['C', 200, 0.8, 1],
  ['D', 100, 0.9, 0],
  ['E', 250, 0.95, 5],
] as const;

describe('PortfolioMatrixQuery', () => {
  let db: TestAnalytics;
  let query: PortfolioMatrixQuery;

  beforeAll(async () => {
    db = await openTestAnalytics('portfolio');
    query = new PortfolioMatrixQuery(db.ch);
    await db.ch.client.insert({
      table: `${db.database}.clv_predictions`,
      format: 'JSONEachRow',
      values: HAND.map(([customer_id, clv_minor, p_alive, x]) => ({
        model_id: 'hand',
        customer_id,
        x,
        t_x: 0,
        T: 10,
        revenue_minor: 1000,
        p_alive,
        expected_purchases: 1,
        expected_spend_minor: clv_minor,
        clv_minor,
      })),
    });
  });
  afterAll(() => db.drop());

  const summary = (answer: Awaited<ReturnType<PortfolioMatrixQuery['quadrants']>>) =>
    answer.quadrants.map((q) => [q.action, q.customers, q.predictedClv.minor]);

  it('places each customer by predicted CLV and loyalty', async () => {
    const answer = await query.quadrants('hand', 'EUR', {});
    expect(answer.clvThreshold.minor).toBe(250);
    expect(summary(answer)).toEqual([
      ['acquire more like them', 1, 400], // A
      ['develop', 2, 450], // C 200 + E 250
      ['retain', 1, 300], // B
      ['remove or serve at lower cost', 1, 100], // D
    ]);
    expect(answer.quadrants[1]).toMatchObject({ potential: 'low', loyalty: 'high', averagePAlive: 0.875 });
  });

  it('moves customers when the thresholds move', async () => {
    // P(alive) >= 0.85: C (0.80) is no longer loyal. Quantile 0.25 of the five CLVs = 200: E (250) is high now.
    const answer = await query.quadrants('hand', 'EUR', { pAliveThreshold: 0.85, potentialQuantile: 0.25 });
    expect(answer.clvThreshold.minor).toBe(200);
    expect(summary(answer)).toEqual([
      ['acquire more like them', 2, 650], // A 400 + E 250
      ['develop', 0, 0],
      ['retain', 1, 300], // B
      ['remove or serve at lower cost', 2, 300], // C 200 + D 100
    ]);
  });

  it('fits the model for a cutoff when asked for its matrix', async () => {
    const h = new RecordedHistoryBuilder('portfolio');
    // Two early stoppers and two steady buyers (weekly / fortnightly), enough for a finite fit.
    const weekly = (id: string, first: string, repeats: number, every: number) => {
      h.acquired(id, `${first}T08:00:00Z`);
      for (let i = 0; i <= repeats; i++) {
        h.purchased(
          id,
          new Date(Date.parse(`${first}T10:00:00Z`) + i * every * 7 * 86_400_000).toISOString(),
          {
            minor: 1000 + 100 * i,
          },
        );
      }
    };
    weekly('s1', '2025-01-06', 3, 1);
    weekly('s2', '2025-01-13', 2, 1);
    weekly('l1', '2025-01-06', 12, 2);
    weekly('l2', '2025-02-03', 10, 2);
    weekly('o1', '2025-03-03', 0, 1);
    await new AnalyticsProjector(db.ch).apply(h.events);
    const answer = await query.matrix({ cutoff: '2025-06-30', currency: 'EUR', annualDiscountRate: 0 });
    expect(answer.model.customers).toBe(5);
    expect(answer.quadrants.reduce((n, q) => n + q.customers, 0)).toBe(5);
    // o1 never came back, so it cannot be loyal.
    const loyal = answer.quadrants.filter((q) => q.loyalty === 'high').reduce((n, q) => n + q.customers, 0);
    expect(loyal).toBeLessThanOrEqual(4);
  });
});

/*
 * With profitability (customerFactsHistory as of 2026-03-31, margin 0.8, see customer-profitability.query.spec):
 * d1 (profit -3.00) and d2 (-4.00, never bought, so not in the model) cost more than they bring.
 * Predictions of model 'facts':
 *   customer  CLV   P(alive)  repeat purchases
 *   p1        5.00  0.90      1
 *   p2        3.00  0.20      0
 *   s1        2.00  0.80      1
 *   d1        4.00  0.90      2     high potential and loyal, but unprofitable
 *   c1        1.00  0.90      0
 * Median CLV of 100 200 300 400 500 = 300: high potential p1, d1. Loyal: p1, s1, d1.
 *   acquire more like them: p1 | develop: s1 | retain: none | remove or serve at lower cost: p2, c1, d1, d2
 */
describe('PortfolioMatrixQuery with profitability', () => {
  let db: TestAnalytics;

  beforeAll(async () => {
    db = await openProjectedStore('portfolio_profit', customerFactsHistory());
    const predictions: [string, number, number, number][] = [
      ['p1', 500, 0.9, 1],
      ['p2', 300, 0.2, 0],
      ['s1', 200, 0.8, 1],
      ['d1', 400, 0.9, 2],
      ['c1', 100, 0.9, 0],
    ];
    await db.ch.client.insert({
      table: `${db.database}.clv_predictions`,
      format: 'JSONEachRow',
      values: predictions.map(([customer_id, clv_minor, p_alive, x]) => ({
        model_id: 'facts',
        customer_id,
        x,
        T: 10,
        revenue_minor: 0,
        p_alive,
        clv_minor,
      })),
    });
  });
  afterAll(() => db.drop());

  it("places the customers who cost more than they bring in 'remove or serve at lower cost'", async () => {
    const query = new PortfolioMatrixQuery(db.ch, new PredictiveLtvQuery(db.ch), FACTS_ECONOMICS);
    const answer = await query.quadrants('facts', 'EUR', {}, '2026-03-31');
    expect(
      answer.quadrants.map((q) => [q.action, q.customers, q.predictedClv.minor, q.unprofitable]),
    ).toEqual([
      ['acquire more like them', 1, 500, 0], // p1
      ['develop', 1, 200, 0], // s1
      ['retain', 0, 0, 0],
      ['remove or serve at lower cost', 4, 800, 2], // p2 300 + c1 100 + d1 400 + d2 0; d1 and d2 unprofitable
    ]);
    // Without a cutoff every stored event counts: the whole history is before 03-31, so nothing moves.
    expect(await query.quadrants('facts', 'EUR', {})).toEqual(answer);
  });

  it('without costs (revenue counted whole, no table) only the model decides, plus what events cost', async () => {
    // Margin 1, no table: d1 = 10.00 - 6.00 - 5.00 = -1.00 still loses money; d2 costs nothing without the table.
    const answer = await new PortfolioMatrixQuery(db.ch).quadrants('facts', 'EUR', {}, '2026-03-31');
    expect(answer.quadrants.map((q) => [q.action, q.customers, q.unprofitable])).toEqual([
      ['acquire more like them', 1, 0],
      ['develop', 1, 0],
      ['retain', 0, 0],
      ['remove or serve at lower cost', 3, 1], // p2, c1, d1
    ]);
  });
});
