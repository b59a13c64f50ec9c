import type { RecordedEvent } from '@crm/event-store';
import { runStatement, selectRows } from '../clickhouse/clickhouse-statements';
import { analyticsSnapshot } from '../testing/analytics-snapshot';
import { openTestAnalytics, type TestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { AnalyticsProjector } from './analytics.projector';
import { MalformedAnalyticsEventError } from './malformed-event.error';

/**
 * Two customers, a referral, a churn and a win-back; purchases with line items, two on one day; then issue 13's
 * facts (satisfaction, a complaint resolved with compensation, a contact with its cost, consent, preferences)
 * and marketing spend in the stream of c-1's campaign.
 */
function history(): RecordedEvent[] {
  return new RecordedHistoryBuilder('projector')
    .acquired('c-1', '2025-01-05T10:00:00Z', {
      channel: 'paid_search',
      campaign: 'winter',
      profile: { country: 'IT', birthYear: 1990, gender: 'f', incomeBand: '50-60k', email: 'x@example.com' },
      attributes: { plan: 'gold', seats: 3 },
    })
    .purchased('c-1', '2025-01-06T09:30:00Z', {
      minor: 2500,
      items: [
        { sku: 'BK-1', category: 'books', quantity: 2, unitMinor: 1000 },
        { sku: 'MU-1', category: 'music', quantity: 1, unitMinor: 500 },
      ],
    })
    .purchased('c-1', '2025-01-06T18:00:00Z', { minor: 1000 })
    .acquired('c-2', '2025-01-07T08:00:00Z', {
      channel: 'referral',
      referredBy: 'c-1',
      profile: { country: 'FR' },
    })
    .referred('c-1', '2025-01-07T08:00:00Z', 'c-2')
    .purchased('c-2', '2025-02-01T12:00:00Z', { minor: 4000, currency: 'USD' })
    .churned('c-1', '2025-03-01T00:00:00Z')
    .reactivated('c-1', '2025-04-02T10:00:00Z')
    .purchased('c-1', '2025-04-02T10:00:00Z', { minor: 700 })
    .feedback('c-1', '2025-04-03T10:00:00Z', 'nps', 9, 'great service')
    .feedback('c-2', '2025-04-03T11:00:00Z', 'csat', 2)
    .complaintOpened('c-2', '2025-04-04T09:00:00Z', 'k-1')
    .complaintResolved('c-2', '2025-04-05T09:00:00Z', 'k-1', { minor: 300 })
    .contactedOn('c-1', '2025-04-06T09:00:00Z', 'phone', { minor: 250 })
    .consent('c-1', '2025-04-06T09:05:00Z', true)
    .preferences('c-1', '2025-04-06T09:06:00Z', { preferredChannel: 'email', categories: ['books'] })
    .spend('winter', '2025-01-31T00:00:00Z', {
      channel: 'paid_search',
      periodStart: '2025-01-01',
      periodEnd: '2025-01-31',
      minor: 5000,
    }).events;
}

const SNAPSHOT = { cutoff: '2025-06-30', start: '2025-01-01', currency: 'EUR' };

describe('AnalyticsProjector', () => {
  let db: TestAnalytics;
  let projector: AnalyticsProjector;
  const events = history();

  beforeAll(async () => {
    db = await openTestAnalytics('projector');
    projector = new AnalyticsProjector(db.ch);
  });
  afterAll(() => db.drop());

  it('writes one row per event, the customer dimension and the purchase days', async () => {
    expect(await projector.checkpoint()).toBeNull();
    const result = await projector.apply(events);
    expect(result).toEqual({ events: 17, customers: 2, position: 17n, rejected: [] });
    expect(await projector.checkpoint()).toBe(17n);

    const purchase = await selectRows(
      db.ch.client,
      `SELECT order_id, amount_minor, currency, item_skus, item_categories, item_quantities, item_unit_minor,
              toString(occurred_at) AS occurred_at, global_position
       FROM ${db.database}.events FINAL WHERE event_type = 'CustomerPurchased' AND customer_id = 'c-1'
       ORDER BY occurred_at LIMIT 1`,
    );
    expect(purchase).toEqual([
      {
        order_id: 'o-c-1-1',
        amount_minor: 2500,
        currency: 'EUR',
        item_skus: ['BK-1', 'MU-1'],
        item_categories: ['books', 'music'],
        item_quantities: [2, 1],
        item_unit_minor: [1000, 500],
        occurred_at: '2025-01-06 09:30:00.000',
        global_position: 2,
      },
    ]);

    const customers = await selectRows(
      db.ch.client,
      `SELECT customer_id, toString(acquired_at) AS acquired_at, acquisition_channel, campaign, referred_by, country,
              birth_year, gender, income_band, attributes, stage, purchases, referrals_made, churn_count,
              reactivation_count, last_churn_reason, stream_revision, version
       FROM ${db.database}.customers FINAL ORDER BY customer_id`,
    );
    expect(customers).toEqual([
      {
        customer_id: 'c-1',
        acquired_at: '2025-01-05 10:00:00.000',
        acquisition_channel: 'paid_search',
        campaign: 'winter',
        referred_by: '',
        country: 'IT',
        birth_year: 1990,
        gender: 'f',
        income_band: '50-60k',
        attributes: { plan: 'gold', seats: '3' },
        stage: 'active', // churned, then came back
        purchases: 3,
        referrals_made: 1,
        churn_count: 1,
        reactivation_count: 1,
        last_churn_reason: 'price',
        stream_revision: 10,
        version: 11,
      },
      {
        customer_id: 'c-2',
        acquired_at: '2025-01-07 08:00:00.000',
        acquisition_channel: 'referral',
        campaign: '',
        referred_by: 'c-1',
        country: 'FR',
        birth_year: null,
        gender: '',
        income_band: '',
        attributes: {},
        stage: 'active',
        purchases: 1,
        referrals_made: 0,
        churn_count: 0,
        reactivation_count: 0,
        last_churn_reason: '',
        stream_revision: 4,
        version: 5,
      },
    ]);

    const days = await selectRows(
      db.ch.client,
      `SELECT customer_id, currency, toString(day) AS day, orders, amount_minor, items
       FROM ${db.database}.customer_daily FINAL ORDER BY customer_id, day`,
    );
    expect(days).toEqual([
      { customer_id: 'c-1', currency: 'EUR', day: '2025-01-06', orders: 2, amount_minor: 3500, items: 3 },
      { customer_id: 'c-1', currency: 'EUR', day: '2025-04-02', orders: 1, amount_minor: 700, items: 0 },
      { customer_id: 'c-2', currency: 'USD', day: '2025-02-01', orders: 1, amount_minor: 4000, items: 0 },
    ]);
  });

  it('writes the facts of issue 13 into their columns, spend without a customer, no comment', async () => {
    const facts = await selectRows(
      db.ch.client,
      `SELECT event_type, customer_id, channel, campaign, feedback_metric, feedback_score, survey_id, complaint_id,
              complaint_category, complaint_resolution, compensation_minor, complaint_accepted, currency,
              contact_cost_minor, consent_purpose, preferred_categories, toString(period_start) AS period_start,
              spend_minor
       FROM ${db.database}.events FINAL
       WHERE event_type NOT IN ('CustomerAcquired', 'CustomerPurchased', 'CustomerReferred', 'CustomerChurned',
                                'CustomerReactivated')
       ORDER BY global_position`,
    );
    const empty = {
      channel: '',
      campaign: '',
      feedback_metric: '',
      feedback_score: null,
      survey_id: '',
      complaint_id: '',
      complaint_category: '',
      complaint_resolution: '',
      compensation_minor: 0,
      complaint_accepted: null,
      currency: '',
      contact_cost_minor: null,
      consent_purpose: '',
      preferred_categories: [],
      period_start: null,
      spend_minor: 0,
    };
    expect(facts).toEqual([
      {
        ...empty,
        event_type: 'CustomerFeedbackGiven',
        customer_id: 'c-1',
        channel: 'email',
        feedback_metric: 'nps',
        feedback_score: 9,
        survey_id: 'survey-nps',
      },
      {
        ...empty,
        event_type: 'CustomerFeedbackGiven',
        customer_id: 'c-2',
        channel: 'email',
        feedback_metric: 'csat',
        feedback_score: 2,
        survey_id: 'survey-csat',
      },
      {
        ...empty,
        event_type: 'CustomerComplaintOpened',
        customer_id: 'c-2',
        channel: 'phone',
        complaint_id: 'k-1',
        complaint_category: 'delivery',
      },
      {
        ...empty,
        event_type: 'CustomerComplaintResolved',
        customer_id: 'c-2',
        complaint_id: 'k-1',
        complaint_resolution: 'refund',
        compensation_minor: 300,
        complaint_accepted: true,
        currency: 'EUR',
      },
      {
        ...empty,
        event_type: 'CustomerContacted',
        customer_id: 'c-1',
        channel: 'phone',
        currency: 'EUR',
        contact_cost_minor: 250,
      },
      {
        ...empty,
        event_type: 'CustomerConsentGranted',
        customer_id: 'c-1',
        channel: 'email',
        consent_purpose: 'marketing',
      },
      {
        ...empty,
        event_type: 'CustomerPreferencesSet',
        customer_id: 'c-1',
        channel: 'email',
        preferred_categories: ['books'],
      },
      {
        ...empty,
        event_type: 'MarketingSpendRecorded',
        customer_id: '',
        channel: 'paid_search',
        campaign: 'winter',
        currency: 'EUR',
        period_start: '2025-01-01',
        spend_minor: 5000,
      },
    ]);
    const text = JSON.stringify(await selectRows(db.ch.client, `SELECT * FROM ${db.database}.events`));
    expect(text).not.toContain('great service');
  });

  it('keeps no personal data beyond the analytical profile', async () => {
    const columns = await selectRows<{ name: string }>(
      db.ch.client,
      `SELECT name FROM system.columns WHERE database = {db:String} AND table = 'events'`,
      { db: db.database },
    );
    expect(columns.map((c) => c.name)).not.toEqual(expect.arrayContaining(['email']));
  });

  it("leaves the engine's defaults to the statements after its own (a SET lasts the embedded session)", async () => {
    await projector.apply(events);
    const [row] = await selectRows<{ circuit: string; size: string }>(
      db.ch.client,
      `SELECT toString(getSetting('short_circuit_function_evaluation')) AS circuit,
              toString(getSetting('max_query_size')) AS size`,
    );
    expect(row).toEqual({ circuit: 'enable', size: '262144' });
  });

  it('rejects an event it cannot store, naming it', async () => {
    const [bad] = new RecordedHistoryBuilder('bad').purchased('c-9', '2025-01-01T00:00:00Z', {
      minor: 1,
    }).events;
    const broken = { ...bad, data: { orderId: 'o', amount: { minor: 1.5, currency: 'EUR' } } };
    await expect(projector.apply([broken])).rejects.toEqual(
      new MalformedAnalyticsEventError(bad.eventId, 'data.amount.minor must be an integer'),
    );
  });
});

describe('AnalyticsProjector exactness', () => {
  const events = history();
  let reference: Record<string, unknown[]>;
  const opened: TestAnalytics[] = [];
  const open = async (label: string) => {
    const db = await openTestAnalytics(label);
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    const db = await open('exact_ref');
    await new AnalyticsProjector(db.ch).apply(events);
    reference = await analyticsSnapshot(db.ch, SNAPSHOT);
  });
  afterAll(async () => {
    for (const db of opened) await db.drop();
  });

  it('the reference snapshot is not trivially empty', () => {
    // Views over model output (clv_predictions) are empty until a model is fitted; every other answer has rows.
    const expected = Object.keys(reference).filter((name) => !/^(portfolio|clv_holdout)/.test(name));
    const empty = expected.filter((name) => reference[name].length === 0);
    expect(empty).toEqual([]);
    expect(expected).toEqual(expect.arrayContaining(['events', 'customers', 'customer_daily']));
  });

  it('counts nothing twice when every event is delivered again, whole or in other batches', async () => {
    const db = await open('exact_redelivery');
    // No background merge may remove the copies: what keeps them out of the answers must be FINAL alone.
    for (const table of ['events', 'customers', 'customer_daily', 'customer_revisions']) {
      await runStatement(db.ch.client, `SYSTEM STOP MERGES ${db.database}.${table}`);
    }
    const projector = new AnalyticsProjector(db.ch);
    await projector.apply(events);
    await projector.apply(events);
    await projector.apply(events.slice(2, 6));
    for (const event of [...events].reverse()) await projector.apply([event]);
    const [stored] = await selectRows<{ n: number }>(
      db.ch.client,
      `SELECT count() AS n FROM ${db.database}.events`,
    );
    expect(stored.n).toBe(events.length * 3 + 4); // every copy is physically there
    expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
    expect(await projector.checkpoint()).toBe(17n);
  });

  it('is exact when a batch is re-applied after a crash between its writes', async () => {
    const db = await open('exact_crash');
    for (const step of ['insertRevisions', 'foldDaily', 'foldCustomers', 'writeCheckpoint'] as const) {
      const crashing = new (class extends AnalyticsProjector {
        // A computed member name cannot carry `override`; it still replaces the base method.
        protected async [step](...args: never[]): Promise<void> {
          void args;
          throw new Error(`crash before ${step}`);
        }
      })(db.ch);
      await expect(crashing.apply(events.slice(0, 6))).rejects.toThrow(`crash before ${step}`);
    }
    const projector = new AnalyticsProjector(db.ch);
    expect(await projector.checkpoint()).toBeNull(); // nothing was acknowledged
    await projector.apply(events.slice(0, 6)); // the bus redelivers the batch
    await projector.apply(events.slice(6));
    expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
  });

  it('a replay from the store in other batch sizes rebuilds the same store', async () => {
    const db = await open('exact_replay');
    const projector = new AnalyticsProjector(db.ch);
    for (let i = 0; i < events.length; i += 4) await projector.apply(events.slice(i, i + 4));
    expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
  });
});
