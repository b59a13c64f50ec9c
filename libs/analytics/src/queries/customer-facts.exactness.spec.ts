import { runStatement } from '../clickhouse/clickhouse-statements';
import { AnalyticsProjector } from '../projector/analytics.projector';
import { openTestAnalytics, type TestAnalytics } from '../testing/analytics-test-database';
import { CampaignRoiQuery } from './campaign-roi.query';
import { ComplaintsQuery } from './complaints.query';
import { customerFactsHistory, FACTS_ECONOMICS } from '../testing/customer-facts.history';
import { CustomerProfitabilityQuery } from './customer-profitability.query';
import { SatisfactionQuery } from './satisfaction.query';

/** Every answer of issue 13 over the store, as one comparable value. */
async function answers(db: TestAnalytics): Promise<unknown> {
  const Q1 = { from: '2026-01-01', to: '2026-03-31' };
  const asOf = { cutoff: '2026-03-31', currency: 'EUR' };
  const satisfaction = new SatisfactionQuery(db.ch);
  return {
    scores: await satisfaction.scores({ ...Q1, groupBy: 'segment', currency: 'EUR' }),
    byChannel: await satisfaction.scores({ ...Q1, groupBy: 'channel', period: 'quarter' }),
    classes: await satisfaction.classes(asOf),
    complaints: await new ComplaintsQuery(db.ch).complaints(Q1),
    campaigns: await new CampaignRoiQuery(db.ch, FACTS_ECONOMICS).campaigns({ ...asOf, predictions: false }),
    profitability: await new CustomerProfitabilityQuery(db.ch, FACTS_ECONOMICS).profitability({
      ...asOf,
      limit: 10,
    }),
  };
}

/**
 * Redelivery and replay change none of the new answers: each store below gets the history in another way, with
 * background merges stopped, so that only FINAL and the recomputed rows keep copies out of the answers.
 */
describe('issue 13 answers under redelivery and replay', () => {
  const events = customerFactsHistory();
  const opened: TestAnalytics[] = [];
  let reference: unknown;

  const store = async (label: string) => {
    const db = await openTestAnalytics(label);
    opened.push(db);
    for (const table of ['events', 'customers', 'customer_daily']) {
      await runStatement(db.ch.client, `SYSTEM STOP MERGES ${db.database}.${table}`);
    }
    return db;
  };

  beforeAll(async () => {
    const db = await openTestAnalytics('facts_once');
    opened.push(db);
    await new AnalyticsProjector(db.ch).apply(events);
    reference = await answers(db);
  });
  afterAll(async () => {
    for (const db of opened) await db.drop();
  });

  it('the reference answers are not empty', () => {
    expect(JSON.stringify(reference)).toContain('"npsResponses":6');
    expect(JSON.stringify(reference)).toContain('"unprofitable":2');
  });

  it('every event delivered again, whole, in threes and newest first', async () => {
    const db = await store('facts_redelivered');
    const projector = new AnalyticsProjector(db.ch);
    await projector.apply(events);
    await projector.apply(events);
    const reversed = [...events].reverse();
    for (let i = 0; i < reversed.length; i += 3) await projector.apply(reversed.slice(i, i + 3));
    expect(await answers(db)).toEqual(reference);
  });

  it('a replay in batches of five, over a store that already holds half of the history', async () => {
    const db = await store('facts_replayed');
    const projector = new AnalyticsProjector(db.ch);
    await projector.apply(events.slice(0, Math.floor(events.length / 2)));
    for (let i = 0; i < events.length; i += 5) await projector.apply(events.slice(i, i + 5));
    expect(await answers(db)).toEqual(reference);
  });
});
