import {
  AnalyticsProjector,
  PortfolioMatrixQuery,
  PredictiveLtvQuery,
  RfmQuery,
  selectRows,
} from '@crm/analytics';
import { openTestAnalytics, RecordedHistoryBuilder, type TestAnalytics } from '@crm/analytics/testing';
import { CustomerScoreEntity, createReadModelDataSource } from '@crm/read-model';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { CustomerScoresJob } from './customer-scores.job';

/*
 * EUR buyers, cutoff 2025-06-30 (the job's clock): a handful that stopped early (q*), two that kept buying
 * (s*), one-off buyers (o*), so the BG/NBD and Gamma-Gamma fits have a finite maximum-likelihood solution.
 * n1 was acquired and never bought: the model does not score it. u1 bought only in USD: neither.
 */
const CUTOFF = '2025-06-30';
const day = (first: string, weeks: number) =>
  new Date(Date.parse(`${first}T00:00:00Z`) + weeks * 7 * 86_400_000).toISOString().slice(0, 10);

function history(): RecordedHistoryBuilder {
  const h = new RecordedHistoryBuilder('scores');
  const series = (id: string, first: string, repeats: number, every: number, minor: number) => {
    h.acquired(id, `${first}T08:00:00Z`);
    h.purchased(id, `${first}T09:00:00Z`, { minor: 1000 });
    for (let i = 1; i <= repeats; i++) h.purchased(id, `${day(first, i * every)}T09:00:00Z`, { minor });
  };
  series('q1', '2025-01-06', 3, 1, 800);
  series('q2', '2025-01-06', 2, 1, 1200);
  series('q3', '2025-02-03', 4, 1, 600);
  series('p1', '2025-01-06', 2, 4, 1100);
  series('p3', '2025-02-03', 1, 17, 3000);
  series('p4', '2025-03-03', 3, 4, 500);
  series('p6', '2025-01-13', 1, 1, 1500);
  series('p7', '2025-05-05', 1, 8, 250);
  series('s1', '2025-01-06', 12, 2, 1100);
  series('s2', '2025-02-03', 10, 2, 900);
  series('o1', '2025-01-06', 0, 1, 0);
  series('o2', '2025-04-07', 0, 1, 0);
  h.acquired('n1', '2025-01-01T08:00:00Z');
  h.acquired('u1', '2025-01-01T08:00:00Z');
  h.purchased('u1', '2025-02-01T09:00:00Z', { minor: 700, currency: 'USD' });
  return h;
}

describe('CustomerScoresJob (embedded ClickHouse engine -> SQLite read model)', () => {
  let db: TestAnalytics;
  let dir: string;
  let readModel: DataSource;
  let builder: RecordedHistoryBuilder;
  const now = () => new Date(`${CUTOFF}T12:00:00Z`);

  beforeAll(async () => {
    db = await openTestAnalytics('scores');
    builder = history();
    await new AnalyticsProjector(db.ch).apply(builder.events);
    dir = mkdtempSync(join(tmpdir(), 'crm-scores-'));
    readModel = createReadModelDataSource({ dataDir: dir });
    await readModel.initialize();
    await readModel.runMigrations();
  });

  afterAll(async () => {
    await readModel.destroy();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  const stored = async () =>
    new Map(
      (await readModel.getRepository(CustomerScoreEntity).find()).map((r) => [r.customerId, r] as const),
    );

  it('copies every scored customer of the latest model in batches, each value as the analytical answers give it', async () => {
    const job = new CustomerScoresJob(db.ch, readModel, { currency: 'EUR', batchSize: 5, now });
    const run = await job.run();

    const model = await new PredictiveLtvQuery(db.ch).model({
      cutoff: CUTOFF,
      currency: 'EUR',
      horizonWeeks: 52,
    });
    expect(run).toMatchObject({
      status: 'scored',
      modelId: model.modelId,
      cutoff: CUTOFF,
      currency: 'EUR',
      dataPosition: model.dataPosition,
      scoredAt: `${CUTOFF}T12:00:00.000Z`,
      scored: 12,
      batches: 3, // 5 + 5 + 2
      removed: 0,
    });

    // The oracle: the API's own answers for the same model and cutoff.
    const predictions = await new PredictiveLtvQuery(db.ch).predictions({
      cutoff: CUTOFF,
      currency: 'EUR',
      horizonWeeks: 52,
      limit: 100,
    });
    const rfm = await new RfmQuery(db.ch).customers({ cutoff: CUTOFF, currency: 'EUR', limit: 100 });
    const quadrants = await selectRows<{
      customer_id: string;
      action: string;
      high_potential: boolean;
      high_loyalty: boolean;
    }>(
      db.ch.client,
      `SELECT customer_id, action, high_potential, high_loyalty
       FROM ${db.database}.portfolio_customers(model_id = {m:String}, p_alive_threshold = 0.5, potential_quantile = 0.5)`,
      { m: model.modelId },
    );
    const rows = await stored();
    expect([...rows.keys()].sort()).toEqual(predictions.customers.map((c) => c.customerId).sort());
    expect(rows.has('n1') || rows.has('u1')).toBe(false);
    for (const c of predictions.customers) {
      const row = rows.get(c.customerId)!;
      expect(row).toMatchObject({ modelId: model.modelId, cutoff: CUTOFF, currency: 'EUR' });
      expect(Number(row.predictedClvMinor)).toBe(Math.round(c.clv.minor));
      expect(row.pAlive).toBeCloseTo(c.pAlive, 6);
      expect(row.rfmSegment).toBe(rfm.find((r) => r.customerId === c.customerId)!.segment);
      const q = quadrants.find((r) => r.customer_id === c.customerId)!;
      expect(row.portfolioAction).toBe(q.action);
      expect(row.portfolioPotential).toBe(q.high_potential ? 'high' : 'low');
      expect(row.portfolioLoyalty).toBe(q.high_loyalty ? 'high' : 'low');
    }
    // The four quadrants as the portfolio matrix counts them.
    const matrix = await new PortfolioMatrixQuery(db.ch).quadrants(model.modelId, 'EUR', {});
    for (const q of matrix.quadrants) {
      expect([...rows.values()].filter((r) => r.portfolioAction === q.action)).toHaveLength(q.customers);
    }
    // o1 bought once long ago: never retained, so low loyalty whatever its P(alive).
    expect(rows.get('o1')).toMatchObject({ portfolioLoyalty: 'low' });
  });

  it('is idempotent: a second run on unchanged data reuses the model and writes the same values', async () => {
    const job = new CustomerScoresJob(db.ch, readModel, { currency: 'EUR', batchSize: 1000, now });
    const before = await stored();
    const [a, b] = await Promise.all([job.run(), job.run()]); // one run in progress, shared
    expect(a).toBe(b);
    expect(a).toMatchObject({ status: 'scored', scored: 12, batches: 1, removed: 0 });
    expect(await stored()).toEqual(before);
  });

  it('replaces the scores with the next model once the data moves, and drops what it no longer scores', async () => {
    await readModel.getRepository(CustomerScoreEntity).insert({
      customerId: 'gone',
      modelId: 'an-older-model',
      cutoff: '2025-01-31',
      currency: 'EUR',
      predictedClvMinor: '1',
      pAlive: 0.5,
      rfmSegment: 'Lost',
      portfolioPotential: 'low',
      portfolioLoyalty: 'low',
      portfolioAction: 'remove or serve at lower cost',
      scoredAt: '2025-02-01T00:00:00.000Z',
    });
    const oldModel = (await stored()).get('s1')!.modelId;
    // Any new event moves the analytics checkpoint, which the model id depends on: the next run fits anew.
    builder.contacted('s1', '2025-06-20T09:00:00Z');
    await new AnalyticsProjector(db.ch).apply(builder.events.slice(-1));

    const run = await new CustomerScoresJob(db.ch, readModel, { currency: 'EUR', batchSize: 4, now }).run();
    expect(run.modelId).not.toBe(oldModel);
    expect(run).toMatchObject({ status: 'scored', scored: 12, batches: 3, removed: 1 });
    const rows = await stored();
    expect(rows.has('gone')).toBe(false);
    expect(new Set([...rows.values()].map((r) => r.modelId))).toEqual(new Set([run.modelId]));
  });

  it('skips, changing nothing, when the data cannot support a model (no buyers in the currency)', async () => {
    const before = await stored();
    const run = await new CustomerScoresJob(db.ch, readModel, { currency: 'JPY', batchSize: 10, now }).run();
    expect(run).toMatchObject({ status: 'skipped', currency: 'JPY', scored: 0, removed: 0 });
    expect(run.reason).toMatch(/JPY/);
    expect(await stored()).toEqual(before);
  });
});
