import { selectRows } from '../clickhouse/clickhouse-statements';
import { clvHoldoutReport } from '../clv/clv-holdout.report';
import {
  CLV_MODEL_VERSION,
  fitClvModel,
  fitClvModelOnSample,
  predictClv,
  type ClvCustomerSummary,
} from '../clv/clv.model';
import { ClvSummaryQuery } from './clv-summary.query';
import { AnalyticsProjector } from '../projector/analytics.projector';
import type { TestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { NotEnoughAnalyticsDataError } from './analytics-query.errors';
import { PredictiveLtvQuery, toClvModel } from './predictive-ltv.query';
import { openProjectedStore } from './query-test.fixture';

/*
 * EUR purchases; cutoff 2025-06-30. One transaction per customer-day; weeks = days / 7 from the first purchase day.
 *   p1  01-06 10.00, 02-03 12.00, 03-03 8.00      x 2  t_x 56/7 = 8   T 175/7 = 25  mean repeat (1200 + 800) / 2 = 1000
 *   p2  01-06 5.00                                 x 0  t_x 0      T 25
 *   p3  02-03 20.00, 06-02 30.00                   x 1  t_x 119/7 = 17 T 147/7 = 21 mean repeat 3000
 *   p4  03-03 7.00 + 3.00 (same day: one), 03-31 4.00, 04-28 6.00, 05-26 5.00
 *                                                  x 3  t_x 84/7 = 12  T 119/7 = 17 mean repeat (400 + 600 + 500) / 3 = 500
 *   p5  04-07 9.00                                 x 0  t_x 0      T 84/7 = 12
 *   p6  01-13 15.00, 01-20 15.00                   x 1  t_x 1      T 168/7 = 24 mean repeat 1500
 *   p7  05-05 2.50, 06-30 2.50                     x 1  t_x 8      T 56/7 = 8   mean repeat 250
 *   q1  01-06 10.00, then 8.00 on 01-13 01-20 01-27                       x 3  t_x 3   T 25  mean repeat 800
 *   q2  01-06 10.00, then 12.00 on 01-13 01-20                            x 2  t_x 2   T 25  mean repeat 1200
 *   q3  02-03 10.00, then 6.00 on 02-10 02-17 02-24 03-03                 x 4  t_x 4   T 21  mean repeat 600
 *   s1  01-06 10.00, then 11.00 every two weeks, 12 times up to 06-23       x 12 t_x 24  T 25  mean repeat 1100
 *   s2  02-03 10.00, then 9.00 every two weeks, 10 times up to 06-23        x 10 t_x 20  T 21  mean repeat 900
 *   p8  acquired, never bought: not in the sample.
 * (q1-q3 stopped early, s1 and s2 kept buying: with both, the dropout rates have a finite maximum-likelihood fit.)
 * After the cutoff (holdout to 2025-09-30): p1 07-07, p2 08-04.
 */
const SUMMARY: ClvCustomerSummary[] = [
  { customerId: 'p1', x: 2, tx: 8, T: 25, revenueMinor: 3000, meanRepeatMinor: 1000 },
  { customerId: 'p2', x: 0, tx: 0, T: 25, revenueMinor: 500, meanRepeatMinor: 0 },
  { customerId: 'p3', x: 1, tx: 17, T: 21, revenueMinor: 5000, meanRepeatMinor: 3000 },
  { customerId: 'p4', x: 3, tx: 12, T: 17, revenueMinor: 2500, meanRepeatMinor: 500 },
  { customerId: 'p5', x: 0, tx: 0, T: 12, revenueMinor: 900, meanRepeatMinor: 0 },
  { customerId: 'p6', x: 1, tx: 1, T: 24, revenueMinor: 3000, meanRepeatMinor: 1500 },
  { customerId: 'p7', x: 1, tx: 8, T: 8, revenueMinor: 500, meanRepeatMinor: 250 },
  { customerId: 'q1', x: 3, tx: 3, T: 25, revenueMinor: 1000 + 3 * 800, meanRepeatMinor: 800 },
  { customerId: 'q2', x: 2, tx: 2, T: 25, revenueMinor: 1000 + 2 * 1200, meanRepeatMinor: 1200 },
  { customerId: 'q3', x: 4, tx: 4, T: 21, revenueMinor: 1000 + 4 * 600, meanRepeatMinor: 600 },
  { customerId: 's1', x: 12, tx: 24, T: 25, revenueMinor: 1000 + 12 * 1100, meanRepeatMinor: 1100 },
  { customerId: 's2', x: 10, tx: 20, T: 21, revenueMinor: 1000 + 10 * 900, meanRepeatMinor: 900 },
];

const day = (first: string, weeks: number) =>
  new Date(Date.parse(`${first}T00:00:00Z`) + weeks * 7 * 86_400_000).toISOString().slice(0, 10);
/** A first purchase of 10.00, then `repeats` purchases of `minor` every `every` weeks. */
const series = (
  id: string,
  first: string,
  repeats: number,
  every: number,
  minor: number,
): [string, string, number][] => [
  [id, first, 1000],
  ...Array.from({ length: repeats }, (_, i): [string, string, number] => [
    id,
    day(first, (i + 1) * every),
    minor,
  ]),
];

function history() {
  const h = new RecordedHistoryBuilder('predictive');
  const buys: [string, string, number][] = [
    ['p1', '2025-01-06', 1000],
    ['p1', '2025-02-03', 1200],
    ['p1', '2025-03-03', 800],
    ['p2', '2025-01-06', 500],
    ['p3', '2025-02-03', 2000],
    ['p3', '2025-06-02', 3000],
    ['p4', '2025-03-03', 700],
    ['p4', '2025-03-03', 300],
    ['p4', '2025-03-31', 400],
    ['p4', '2025-04-28', 600],
    ['p4', '2025-05-26', 500],
    ['p5', '2025-04-07', 900],
    ['p6', '2025-01-13', 1500],
    ['p6', '2025-01-20', 1500],
    ['p7', '2025-05-05', 250],
    ['p7', '2025-06-30', 250],
    ['p1', '2025-07-07', 1000],
    ['p2', '2025-08-04', 500],
    ...series('q1', '2025-01-06', 3, 1, 800),
    ...series('q2', '2025-01-06', 2, 1, 1200),
    ...series('q3', '2025-02-03', 4, 1, 600),
    ...series('s1', '2025-01-06', 12, 2, 1100),
    ...series('s2', '2025-02-03', 10, 2, 900),
  ];
  for (const id of [...SUMMARY.map((c) => c.customerId), 'p8']) h.acquired(id, '2025-01-01T08:00:00Z');
  buys.forEach(([id, on, minor], i) =>
    h.purchased(id, `${on}T${String(9 + (i % 8)).padStart(2, '0')}:00:00Z`, { minor }),
  );
  // USD: the same histories under other ids, plus u-zero, whose one repeat purchase is worth 0 (as customer
  // 15,880 of the CDNOW master): a repeat customer, but not in the Gamma-Gamma sample.
  const usd: [string, string, number][] = [
    ...buys.map(([id, on, minor]): [string, string, number] => [`u-${id}`, on, minor]),
    ['u-zero', '2025-02-03', 1500],
    ['u-zero', '2025-03-03', 0],
  ];
  // GBP: one customer, as in the reported defect (a fit on one customer ran to r 338891, b 7.7e-16).
  const gbp: [string, string, number][] = [
    ['g1', '2025-01-06', 1000],
    ['g1', '2025-02-03', 2000],
    ['g1', '2025-03-03', 1500],
  ];
  for (const id of new Set([...usd, ...gbp].map(([id]) => id))) h.acquired(id, '2025-01-01T08:00:00Z');
  usd.forEach(([id, on, minor]) => h.purchased(id, `${on}T12:00:00Z`, { minor, currency: 'USD' }));
  gbp.forEach(([id, on, minor]) => h.purchased(id, `${on}T12:00:00Z`, { minor, currency: 'GBP' }));
  return h.events;
}

const PARAMS = { cutoff: '2025-06-30', currency: 'EUR', horizonWeeks: 26, annualDiscountRate: 0, margin: 1 };

describe('PredictiveLtvQuery', () => {
  let db: TestAnalytics;
  let query: PredictiveLtvQuery;

  beforeAll(async () => {
    db = await openProjectedStore('predictive', history());
    query = new PredictiveLtvQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('fits BG/NBD and Gamma-Gamma on the ClickHouse summary and stores them with their log-likelihoods', async () => {
    const model = await query.model(PARAMS);
    const expected = fitClvModel(SUMMARY, { cutoff: '2025-06-30', currency: 'EUR' });
    expect(model).toMatchObject({
      modelVersion: CLV_MODEL_VERSION,
      cutoff: '2025-06-30',
      currency: 'EUR',
      timeUnitDays: 7,
      customers: 12,
      repeatCustomers: 10, // all but p2 and p5
      horizonWeeks: 26,
    });
    expect(model.gammaGamma.customers).toBe(10);
    expect(model.bgNbd.r).toBeCloseTo(expected.bgNbd.params.r, 10);
    expect(model.bgNbd.alpha).toBeCloseTo(expected.bgNbd.params.alpha, 10);
    expect(model.bgNbd.logLikelihood).toBeCloseTo(expected.bgNbd.logLikelihood, 10);
    expect(model.gammaGamma.q).toBeCloseTo(expected.gammaGamma!.params.q, 10);
    expect(model.gammaGamma.logLikelihood).toBeCloseTo(expected.gammaGamma!.logLikelihood, 10);
    expect(model.bgNbd.logLikelihood).toBeLessThan(0);
  });

  it('predicts per customer from the hand-computed summary', async () => {
    const answer = await query.predictions({ ...PARAMS, limit: 20 });
    const expectedModel = fitClvModel(SUMMARY, { cutoff: '2025-06-30', currency: 'EUR' });
    expect(answer.totals.customers).toBe(12);
    expect(answer.customers).toHaveLength(12);
    for (const c of answer.customers) {
      const hand = SUMMARY.find((s) => s.customerId === c.customerId)!;
      expect([c.x, c.tx, c.T, c.historicalRevenue.minor]).toEqual([
        hand.x,
        hand.tx,
        hand.T,
        hand.revenueMinor,
      ]);
      const p = predictClv(expectedModel, hand, { horizon: 26, annualDiscountRate: 0, margin: 1 });
      expect(c.pAlive).toBeCloseTo(p.pAlive, 5);
      expect(c.expectedPurchases).toBeCloseTo(p.expectedPurchases, 5);
      // Undiscounted, margin 1: CLV = expected purchases x expected spend.
      expect(c.clv.minor).toBe(Math.round(p.expectedPurchases * p.expectedSpendMinor));
    }
    // BG/NBD: a customer who never came back has not had a chance to die (death follows purchases): P(alive) = 1.
    expect(answer.customers.filter((c) => c.x === 0).map((c) => c.pAlive)).toEqual([1, 1]);
    // Highest predicted CLV first.
    const clvs = answer.customers.map((c) => c.clv.minor);
    expect(clvs).toEqual([...clvs].sort((a, b) => b - a));
  });

  it('compares predicted with actual transactions after the cutoff by calibration frequency', async () => {
    const params = { ...PARAMS, cutoff: '2025-06-30', holdoutEnd: '2025-09-30' };
    const answer = await query.holdout(params);
    const bins = answer.report.bins.filter((b) => b.customers > 0);
    expect(bins.map((b) => [b.label, b.customers, b.actualMean])).toEqual([
      ['0', 2, 0.5], // p2 (bought 08-04) p5
      ['1', 3, 0], // p3 p6 p7
      ['2', 2, 0.5], // p1 (bought 07-07) q2
      ['3', 2, 0], // p4 q1
      ['4', 1, 0], // q3
      ['7+', 2, 0], // s1 s2
    ]);
    expect(answer.report.actualTotal).toBe(2);
    // The predicted side: the model's conditional expectations over the 92 days (07-01 .. 09-30) of holdout.
    const hand = SUMMARY.map((c) => ({
      ...c,
      xHoldout: ['p1', 'p2'].includes(c.customerId) ? 1 : 0,
      holdoutWeeks: 92 / 7,
    }));
    const expected = clvHoldoutReport(toClvModel(answer.model), hand);
    expect(answer.report.predictedTotal).toBeCloseTo(expected.predictedTotal, 6);
    expect(answer.report.predictedTotal).toBeGreaterThan(0);
  });

  it('fits the same model on the summary grouped by ClickHouse as on its rows', async () => {
    const sample = await new ClvSummaryQuery(db.ch).fitSample('2025-06-30', 'EUR');
    // 12 customers; q1 and q2 share nothing, so every history is distinct; spend: the 10 with x > 0.
    expect(sample.histories.reduce((n, h) => n + h.count, 0)).toBe(12);
    expect([...sample.histories].sort((a, b) => a.x - b.x || a.T - b.T || a.tx - b.tx)).toEqual(
      SUMMARY.map(({ x, tx, T }) => ({ x, tx, T, count: 1 })).sort(
        (a, b) => a.x - b.x || a.T - b.T || a.tx - b.tx,
      ),
    );
    expect(
      sample.spend.map((s) => [s.x, s.meanRepeatMinor, s.count]).sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    ).toEqual(
      SUMMARY.filter((c) => c.x > 0)
        .map((c) => [c.x, c.meanRepeatMinor, 1])
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    );
    const grouped = fitClvModelOnSample(sample, { cutoff: '2025-06-30', currency: 'EUR' });
    const rows = fitClvModel(SUMMARY, { cutoff: '2025-06-30', currency: 'EUR' });
    expect({ ...grouped, bgNbd: undefined, gammaGamma: undefined }).toEqual({
      ...rows,
      bgNbd: undefined,
      gammaGamma: undefined,
    });
    expect(grouped.bgNbd.logLikelihood).toBeCloseTo(rows.bgNbd.logLikelihood, 9);
    expect(grouped.bgNbd.params.r).toBeCloseTo(rows.bgNbd.params.r, 6);
    // (The spend fit of this small sample runs towards its no-spread limit, p, q and γ large together, and
    // stops wherever the search does; clv.model.spec compares the two paths on a sample with a maximum.)
    expect(grouped.gammaGamma!.customers).toBe(10);
  });

  // Last: it adds an event, which moves the checkpoint every other test's model depends on.
  it('reuses the stored model until the data moves, then fits a new one', async () => {
    const first = await query.model(PARAMS);
    const again = await query.model(PARAMS);
    expect(again).toEqual(first);
    const other = await query.model({ ...PARAMS, horizonWeeks: 52 });
    expect(other.modelId).not.toBe(first.modelId);

    const more = new RecordedHistoryBuilder('predictive-more')
      .add('p8', 'CustomerPurchased', '2025-06-01T10:00:00Z', {
        orderId: 'late-1',
        amount: { minor: 100, currency: 'EUR' },
      })
      // p8's next revision (its acquisition is revision 0): a stream's revision names one event.
      .events.map((e) => ({ ...e, globalPosition: 1000n, streamRevision: 1 }));
    await new AnalyticsProjector(db.ch).apply(more);
    const refitted = await query.model(PARAMS);
    expect(refitted.modelId).not.toBe(first.modelId);
    expect(refitted.customers).toBe(13);
    expect(refitted.dataPosition).toBe('1000');

    const models = await selectRows<{ n: number }>(
      db.ch.client,
      `SELECT count() AS n FROM ${db.database}.clv_models FINAL`,
    );
    expect(models[0].n).toBe(3);
  });

  it('refuses to fit on a currency nobody bought in', async () => {
    await expect(query.model({ ...PARAMS, currency: 'JPY' })).rejects.toBeInstanceOf(
      NotEnoughAnalyticsDataError,
    );
  });

  it('refuses to fit on one customer, saying why, and stores nothing', async () => {
    const attempt = query.predictions({ ...PARAMS, currency: 'GBP' });
    await expect(attempt).rejects.toBeInstanceOf(NotEnoughAnalyticsDataError);
    await expect(attempt).rejects.toMatchObject({
      code: 'NOT_ENOUGH_DATA',
      message: expect.stringMatching(/1 customer\(s\) bought by the cutoff; the CLV models need at least 5/),
    });
    const stored = await selectRows<{ n: number }>(
      db.ch.client,
      `SELECT count() AS n FROM ${db.database}.clv_models FINAL WHERE currency = 'GBP'`,
    );
    expect(stored[0].n).toBe(0);
  });

  it('reports the Gamma-Gamma sample it fitted: repeat purchases worth 0 are not in it', async () => {
    const model = await query.model({ ...PARAMS, currency: 'USD' });
    expect({ repeat: model.repeatCustomers, spend: model.gammaGamma.customers }).toEqual({
      repeat: 11, // the ten of EUR and u-zero
      spend: 10,
    });
    const eur = fitClvModel(SUMMARY, { cutoff: '2025-06-30', currency: 'EUR' });
    // u-zero changes the BG/NBD sample, not the Gamma-Gamma one.
    expect(model.gammaGamma.q).toBeCloseTo(eur.gammaGamma!.params.q, 6);
    expect(model.customers).toBe(13);
  });
});
