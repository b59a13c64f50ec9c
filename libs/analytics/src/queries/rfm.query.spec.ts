import { selectRows } from '../clickhouse/clickhouse-statements';
import type { TestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';
import { openProjectedStore } from './query-test.fixture';
import { RFM_SEGMENT_GRID, RfmQuery } from './rfm.query';

/*
 * 20 EUR buyers as of 2025-06-30. With 20 buyers, score = 1 + floor(5 * (rank - 1) / 20) = 1 + floor((rank - 1) / 4):
 * ranks 1-4 score 1, 5-8 score 2, 9-12 score 3, 13-16 score 4, 17-20 score 5.
 *   R: recency bands of four customers: 300/290/280/270 days (ranks 1-4, oldest first) -> 1; 200..170 -> 2;
 *      120..90 -> 3; 60..30 -> 4; 10/5/2/0 -> 5.
 *   F: orders = the intended band, four customers per band; ties share the lowest rank: 1 order rank 1 -> 1,
 *      2 orders rank 5 -> 2, 3 orders rank 9 -> 3, 4 orders rank 13 -> 4, 5 orders rank 17 -> 5.
 *   M: revenue rises with the band, except A (1 order, 2500) and B (2 orders, 1300) who swap monetary bands:
 *      sorted revenue 1000 1100 1200 1300(B) | 2000 2100 2200 2500(A) | 3000.. | 4000.. | 5000.. -> A m=2, B m=1.
 *   fm = (f + m) / 2 rounded half up: A (1 + 2) / 2 = 1.5 -> 2; B (2 + 1) / 2 = 1.5 -> 2; everyone else fm = f.
 */
const BUYERS: { id: string; recencyDays: number; orders: number; revenue: number; r: number; fm: number }[] =
  [
    { id: 'lost', recencyDays: 300, orders: 1, revenue: 1000, r: 1, fm: 1 },
    { id: 'hibernating', recencyDays: 290, orders: 2, revenue: 2000, r: 1, fm: 2 },
    { id: 'at-risk-1', recencyDays: 280, orders: 3, revenue: 3000, r: 1, fm: 3 },
    { id: 'cant-lose-1', recencyDays: 270, orders: 4, revenue: 4000, r: 1, fm: 4 },
    { id: 'about-to-sleep', recencyDays: 200, orders: 2, revenue: 2100, r: 2, fm: 2 },
    { id: 'at-risk-2', recencyDays: 190, orders: 3, revenue: 3100, r: 2, fm: 3 },
    { id: 'at-risk-3', recencyDays: 180, orders: 4, revenue: 4100, r: 2, fm: 4 },
    { id: 'cant-lose-2', recencyDays: 170, orders: 5, revenue: 5000, r: 2, fm: 5 },
    { id: 'need-attention-a', recencyDays: 120, orders: 1, revenue: 2500, r: 3, fm: 2 },
    { id: 'need-attention-b', recencyDays: 110, orders: 2, revenue: 1300, r: 3, fm: 2 },
    { id: 'loyal-1', recencyDays: 100, orders: 4, revenue: 4200, r: 3, fm: 4 },
    { id: 'loyal-2', recencyDays: 90, orders: 5, revenue: 5100, r: 3, fm: 5 },
    { id: 'promising', recencyDays: 60, orders: 1, revenue: 1100, r: 4, fm: 1 },
    { id: 'loyal-3', recencyDays: 50, orders: 3, revenue: 3200, r: 4, fm: 3 },
    { id: 'champion-1', recencyDays: 40, orders: 4, revenue: 4300, r: 4, fm: 4 },
    { id: 'champion-2', recencyDays: 30, orders: 5, revenue: 5200, r: 4, fm: 5 },
    { id: 'new', recencyDays: 10, orders: 1, revenue: 1200, r: 5, fm: 1 },
    { id: 'potential-1', recencyDays: 5, orders: 2, revenue: 2200, r: 5, fm: 2 },
    { id: 'potential-2', recencyDays: 2, orders: 3, revenue: 3300, r: 5, fm: 3 },
    { id: 'champion-3', recencyDays: 0, orders: 5, revenue: 5300, r: 5, fm: 5 },
  ];
const PAID = new Set(['lost', 'loyal-2', 'champion-3']);
const CUTOFF = '2025-06-30';
const dayBefore = (days: number) =>
  new Date(Date.parse(`${CUTOFF}T12:00:00Z`) - days * 86_400_000).toISOString();

function history() {
  const h = new RecordedHistoryBuilder('rfm');
  for (const b of BUYERS) {
    h.acquired(b.id, '2024-01-02T08:00:00Z', { channel: PAID.has(b.id) ? 'paid_search' : 'organic' });
    // orders - 1 equal orders on the days before the last purchase, the remainder on the last purchase day.
    const each = Math.floor(b.revenue / b.orders);
    for (let i = b.orders - 1; i >= 1; i--) h.purchased(b.id, dayBefore(b.recencyDays + i), { minor: each });
    h.purchased(b.id, dayBefore(b.recencyDays), { minor: b.revenue - each * (b.orders - 1) });
  }
  // Noise that must not count: another currency, a purchase after the cutoff, an acquisition without purchases.
  h.purchased('lost', dayBefore(20), { minor: 99_999, currency: 'USD' });
  h.acquired('usd-only', '2024-01-02T08:00:00Z').purchased('usd-only', dayBefore(1), {
    minor: 700,
    currency: 'USD',
  });
  h.purchased('new', '2025-07-01T09:00:00Z', { minor: 50_000 });
  h.acquired('browser', '2024-03-01T08:00:00Z');
  return h.events;
}

describe('RfmQuery', () => {
  let db: TestAnalytics;
  let rfm: RfmQuery;

  beforeAll(async () => {
    db = await openProjectedStore('rfm', history());
    rfm = new RfmQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('scores every buyer by quintile and names their segment', async () => {
    const customers = await rfm.customers({ cutoff: CUTOFF, currency: 'EUR', limit: 100 });
    expect(customers).toHaveLength(20);
    const byId = new Map(customers.map((c) => [c.customerId, c]));
    for (const b of BUYERS) {
      const c = byId.get(b.id)!;
      const f = b.orders; // F band = orders, by construction
      const m = b.id === 'need-attention-a' ? 2 : b.id === 'need-attention-b' ? 1 : f;
      expect({
        id: b.id,
        r: c.rScore,
        f: c.fScore,
        m: c.mScore,
        fm: c.fmScore,
        recency: c.recencyDays,
      }).toEqual({
        id: b.id,
        r: b.r,
        f,
        m,
        fm: b.fm,
        recency: b.recencyDays,
      });
      expect(c.segment).toBe(RFM_SEGMENT_GRID[b.r - 1][b.fm - 1]);
      expect(c.frequency).toBe(b.orders);
      expect(c.monetary).toEqual({
        minor: b.revenue,
        currency: 'EUR',
        decimal: (b.revenue / 100).toFixed(2),
      });
    }
    expect(byId.get('champion-3')).toMatchObject({
      rfmCell: '555',
      segment: 'Champions',
      acquisitionChannel: 'paid_search',
    });
    expect(byId.get('need-attention-a')).toMatchObject({ rfmCell: '312', segment: 'Need Attention' });
  });

  it('counts customers and revenue per segment, all eleven present', async () => {
    const answer = await rfm.segments({ cutoff: CUTOFF, currency: 'EUR' });
    const table = Object.fromEntries(answer.segments.map((s) => [s.segment, [s.customers, s.revenue.minor]]));
    expect(table).toEqual({
      Champions: [3, 4300 + 5200 + 5300], // 14800
      Loyal: [3, 4200 + 5100 + 3200], // 12500
      'Potential Loyalists': [2, 2200 + 3300], // 5500
      New: [1, 1200],
      Promising: [1, 1100],
      'Need Attention': [2, 2500 + 1300], // 3800
      'About to Sleep': [1, 2100],
      'At Risk': [3, 3000 + 3100 + 4100], // 10200
      "Can't Lose Them": [2, 4000 + 5000], // 9000
      Hibernating: [1, 2000],
      Lost: [1, 1000],
    });
    // 20 buyers, 63,200 cents: bands 5800 + 7600 + 12600 + 16600 + 20600.
    expect(answer.customers).toBe(20);
    expect(answer.revenue).toEqual({ minor: 63_200, currency: 'EUR', decimal: '632.00' });
    const champions = answer.segments[0];
    expect(champions.customerShare).toBe(0.15); // 3 / 20
    expect(champions.revenueShare).toBe(0.234177); // 14800 / 63200 = 0.2341772...
    expect(champions.avgRecencyDays).toBe(23.33); // (40 + 30 + 0) / 3
    expect(champions.avgFrequency).toBe(4.67); // (4 + 5 + 5) / 3
    expect(champions.avgMonetary?.minor).toBe(4933); // 14800 / 3 = 4933.33
  });

  it('agrees with the rfm_segments view analysts query', async () => {
    const view = await selectRows<{ segment: string; customers: number; revenue_minor: number }>(
      db.ch.client,
      `SELECT segment, customers, revenue_minor
       FROM ${db.database}.rfm_segments(cutoff = {cutoff:Date}, currency = 'EUR') ORDER BY segment`,
      { cutoff: CUTOFF },
    );
    const answer = await rfm.segments({ cutoff: CUTOFF, currency: 'EUR' });
    expect(view).toEqual(
      answer.segments
        .map((s) => ({ segment: s.segment, customers: s.customers, revenue_minor: s.revenue.minor }))
        .sort((a, b) => (a.segment < b.segment ? -1 : 1)),
    );
  });

  it('filters by acquisition channel while scoring against every buyer', async () => {
    const answer = await rfm.segments({
      cutoff: CUTOFF,
      currency: 'EUR',
      filter: { channel: 'paid_search' },
    });
    const present = answer.segments.filter((s) => s.customers > 0).map((s) => [s.segment, s.revenue.minor]);
    expect(present).toEqual([
      ['Champions', 5300],
      ['Loyal', 5100],
      ['Lost', 1000],
    ]);
    expect(answer.segments[0].customerShare).toBe(0.333333); // 1 of the 3 paid_search buyers
  });

  it('keeps currencies apart', async () => {
    const usd = await rfm.customers({ cutoff: CUTOFF, currency: 'USD' });
    // lost bought 999.99 USD 20 days before the cutoff, usd-only 7.00 USD the day before: two buyers, ranks 1 and 2
    // -> scores 1 + floor(5 * 0 / 2) = 1 and 1 + floor(5 * 1 / 2) = 3.
    expect(usd.map((c) => [c.customerId, c.monetary.minor, c.rScore, c.mScore])).toEqual([
      ['lost', 99_999, 1, 3],
      ['usd-only', 700, 3, 1],
    ]);
  });

  it('pages and narrows customers by segment', async () => {
    const atRisk = await rfm.customers({
      cutoff: CUTOFF,
      currency: 'EUR',
      segment: 'At Risk',
      limit: 2,
      offset: 1,
    });
    expect(atRisk.map((c) => c.customerId)).toEqual(['at-risk-2', 'at-risk-1']); // 4100, 3100, 3000 -> skip 1, take 2
  });

  it.each([
    [{ cutoff: '2025-02-30', currency: 'EUR' }, 'cutoff'],
    [{ cutoff: '2025-06-30', currency: 'EURO' }, 'currency'],
    [{ cutoff: '2025-06-30', currency: 'EUR', segment: 'Whales' }, 'segment'],
    [{ cutoff: '2025-06-30', currency: 'EUR', filter: { channel: 'tv' } }, 'channel'],
  ])('refuses %j naming %s', async (params, field) => {
    await expect(rfm.customers(params)).rejects.toMatchObject({
      field,
      constructor: InvalidAnalyticsParameterError,
    });
  });
});
