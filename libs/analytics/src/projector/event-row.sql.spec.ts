import type { RecordedEvent } from '@crm/event-store';
import { generateCustomerHistory } from '@crm/read-model/testing';
import { selectRows } from '../clickhouse/clickhouse-statements';
import { openTestAnalytics, type TestAnalytics } from '../testing/analytics-test-database';
import { toEventRow } from '../testing/event-row.oracle';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { EVENT_ROW_COLUMNS, eventRowsSelect } from './event-row.sql';
import { RAW_BATCH_SETTINGS, rawEventsSource } from './raw-event.batch';

/** Events of every type, with the shapes the contract allows: optional fields absent, offsets, attributes. */
function varied(): RecordedEvent[] {
  const built = new RecordedHistoryBuilder('oracle')
    .acquired('o-1', '2025-01-05T10:00:00+02:00', {
      channel: 'referral',
      campaign: 'spring',
      referredBy: 'o-0',
      profile: { country: 'IT', city: 'Torino', birthYear: 1990, gender: 'f', incomeBand: '50-60k' },
      attributes: { plan: 'gold', seats: 3, trial: false, quote: 'a "b" \\ c', accent: 'è' },
    })
    .acquired('o-2', '2025-01-05T10:00:00.123Z', { channel: 'organic', profile: {} })
    .purchased('o-1', '2025-01-06T09:30:00Z', {
      minor: 2500,
      items: [
        { sku: 'BK-1', category: 'books', quantity: 2, unitMinor: 1000 },
        { sku: 'MU-1', category: 'music', quantity: 1, unitMinor: 500 },
      ],
    })
    .purchased('o-2', '2025-12-31T23:59:59.999Z', { minor: 0, currency: 'JPY' })
    .referred('o-1', '2025-01-07T08:00:00Z', 'o-2')
    .churned('o-1', '2025-03-01T00:00:00Z')
    .reactivated('o-1', '2025-04-02T10:00:00Z')
    // Issue 13's facts, and marketing spend in a campaign stream.
    .feedback('o-1', '2025-04-03T10:00:00Z', 'nps', 10, 'a comment, never copied')
    .feedback('o-2', '2025-04-03T11:00:00Z', 'csat', 1)
    .complaintOpened('o-2', '2025-04-04T09:00:00Z', 'k-1', 'billing')
    .complaintResolved('o-2', '2025-04-05T09:00:00Z', 'k-1', { minor: 300, currency: 'JPY' }, false)
    .complaintResolved('o-1', '2025-04-05T10:00:00Z', 'k-2')
    .contactedOn('o-1', '2025-04-06T09:00:00Z', 'phone', { minor: 250 })
    .contactedOn('o-1', '2025-04-06T09:01:00Z', 'phone', { minor: 0 })
    .consent('o-1', '2025-04-06T09:05:00Z', true)
    .consent('o-1', '2025-04-06T09:06:00Z', false, 'sms', 'survey')
    .preferences('o-1', '2025-04-06T09:07:00Z', {
      preferredChannel: 'email',
      language: 'pt-BR',
      contactFrequency: 'monthly',
      categories: ['books', 'music'],
    })
    .preferences('o-2', '2025-04-06T09:08:00Z', { language: 'en' })
    .spend('winter', '2025-01-31T00:00:00Z', {
      channel: 'paid_search',
      periodStart: '2025-01-01',
      periodEnd: '2025-01-31',
      minor: 5000,
    }).events;
  const [template] = built;
  const more = (type: string, data: Record<string, unknown>, n: number): RecordedEvent => ({
    ...template,
    eventId: `00000000-0000-4000-8000-0000000000${n}`,
    streamRevision: 40 + n,
    globalPosition: BigInt(1000 + n),
    type,
    data,
  });
  return [
    ...built,
    more(
      'CustomerContacted',
      {
        channel: 'email',
        direction: 'outbound',
        purpose: 'marketing',
        outcome: 'opened',
        agentId: 'a-1',
        campaign: 'c',
      },
      10,
    ),
    more('CustomerContacted', { channel: 'chat' }, 11),
    more('CustomerChurned', { reason: 'price' }, 12),
    more('CustomerChurned', { reason: 'moved', voluntary: false }, 13),
    more(
      'CustomerPurchased',
      {
        orderId: 'o',
        amount: { minor: 7, currency: 'EUR' },
        items: [{ sku: 'x' }, { unitPrice: { minor: 3 } }],
      },
      14,
    ),
    more('CustomerPersonalDataErased', {}, 15),
    more('SomethingNewer', { channel: 'web', orderId: 'z' }, 16),
    more(
      'CustomerAcquired',
      {
        channel: 'email',
        profile: { country: 'PT' },
        consents: [
          { channel: 'email', purpose: 'marketing' },
          { channel: 'sms', purpose: 'survey' },
        ],
      },
      18,
    ),
    more(
      'CustomerFeedbackGiven',
      { metric: 'nps', score: 0, channel: 'app', surveyId: 's', orderId: 'o', contactEventId: 'e' },
      19,
    ),
    { ...more('CustomerAcquired', { channel: 'partner' }, 17), metadata: {} as RecordedEvent['metadata'] },
  ];
}

/** A row as the oracle builds it, in the shape JSONEachRow gives it back. */
const oracleRow = (event: RecordedEvent) => {
  const row = toEventRow(event);
  return { ...row, global_position: Number(row.global_position) };
};

describe('the SQL event -> row mapping, against the TypeScript oracle', () => {
  let db: TestAnalytics;
  beforeAll(async () => {
    db = await openTestAnalytics('event_row_sql');
  });
  afterAll(() => db.drop());

  const mapped = async (events: readonly RecordedEvent[]) => {
    const columns = EVENT_ROW_COLUMNS.map(([name]) =>
      name === 'occurred_at' || name === 'recorded_at' ? `toString(${name}) AS ${name}` : name,
    ).join(', ');
    const result = await db.ch.client.query({
      query: `SELECT ${columns}, rejection FROM (${eventRowsSelect(rawEventsSource(events))})`,
      format: 'JSONEachRow',
      clickhouse_settings: RAW_BATCH_SETTINGS,
    });
    return result.json<Record<string, unknown>>();
  };

  it('maps every column of every event type as the oracle does', async () => {
    const events = [
      ...varied(),
      ...generateCustomerHistory({ customers: 30, seed: 3, unknownEventRate: 0.05 }).events,
    ];
    const rows = await mapped(events);
    expect(rows.map(({ rejection, ...row }) => ({ rejection, row }))).toEqual(
      events.map((event) => ({ rejection: '', row: oracleRow(event) })),
    );
  });

  it('rejects what the oracle cannot map, with its reason', async () => {
    const [purchase] = new RecordedHistoryBuilder('bad').purchased('b-1', '2025-01-01T00:00:00Z', {
      minor: 1,
    }).events;
    const bad: RecordedEvent[] = [
      { ...purchase, eventId: 'e-1', data: { orderId: 'o', amount: { minor: 1.5, currency: 'EUR' } } },
      { ...purchase, eventId: 'e-2', data: { orderId: 'o', amount: { currency: 'EUR' } } },
      {
        ...purchase,
        eventId: 'e-3',
        data: { amount: { minor: 1, currency: 'EUR' }, items: [{}, { quantity: 0.5 }] },
      },
      {
        ...purchase,
        eventId: 'e-4',
        data: { amount: { minor: 1, currency: 'EUR' }, items: [{ unitPrice: { minor: '5' } }] },
      },
      { ...purchase, eventId: 'e-5', data: { amount: { minor: 2 ** 60, currency: 'EUR' } } },
      { ...purchase, eventId: 'e-6', occurredAt: 'not a date' },
      ...[
        {
          type: 'CustomerFeedbackGiven',
          data: { metric: 'nps', score: 300, channel: 'email', surveyId: 's' },
        },
        {
          type: 'CustomerFeedbackGiven',
          data: { metric: 'nps', score: 7.5, channel: 'email', surveyId: 's' },
        },
        { type: 'CustomerContacted', data: { channel: 'phone', cost: { minor: 1.5, currency: 'EUR' } } },
        { type: 'CustomerComplaintResolved', data: { complaintId: 'k', compensation: { minor: '3' } } },
        {
          type: 'MarketingSpendRecorded',
          data: { campaign: 'w', periodStart: '2025-1-1', periodEnd: '2025-01-31', amount: { minor: 1 } },
        },
        {
          type: 'MarketingSpendRecorded',
          data: { campaign: 'w', periodStart: '2025-01-01', periodEnd: '2025-01-31', amount: { minor: 0.1 } },
        },
      ].map(({ type, data }, i) => ({ ...purchase, eventId: `f-${i}`, type, data })),
    ];
    const rows = await mapped(bad);
    expect(rows.map((row) => row.rejection)).toEqual(
      bad.map((event) => {
        try {
          toEventRow(event);
          return 'mapped';
        } catch (error) {
          return (error as Error).message.replace(/^Event \S+ cannot be projected into analytics: /, '');
        }
      }),
    );
    expect(rows.every((row) => row.rejection !== '')).toBe(true);
  });

  it('names every column of the events table but the projector-set one', async () => {
    const columns = await selectRows<{ name: string }>(
      db.ch.client,
      `SELECT name FROM system.columns WHERE database = {db:String} AND table = 'events' ORDER BY position`,
      { db: db.database },
    );
    expect(columns.map((c) => c.name).filter((name) => name !== 'projected_at')).toEqual(
      EVENT_ROW_COLUMNS.map(([name]) => name),
    );
  });
});
