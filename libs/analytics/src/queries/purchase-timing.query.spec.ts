import type { TestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { PurchaseTimingQuery } from './purchase-timing.query';
import { openProjectedStore } from './query-test.fixture';

/*
 * EUR purchases in 2025 (UTC; 2025-01-01 was a Wednesday):
 *   a  Mon 03-03 09:15  10.00  books 2 x 3.00, music 1 x 4.00
 *   b  Mon 03-03 18:40   5.00  no line items
 *   a  Sat 03-08 09:59  20.00  books 1 x 20.00
 *   c  Tue 07-15 23:30   7.00  music 1 x 7.00
 *   b  Wed 12-24 09:00  12.00  books 4 x 3.00
 * Left out: c's 9.99 USD (07-16) and a's order on 2026-01-01.
 */
function history() {
  const line = (category: string, quantity: number, unitMinor: number) => ({
    sku: `${category}-${unitMinor}`,
    category,
    quantity,
    unitMinor,
  });
  const h = new RecordedHistoryBuilder('timing');
  for (const c of ['a', 'b', 'c']) h.acquired(c, '2025-01-02T10:00:00Z');
  return h
    .purchased('a', '2025-03-03T09:15:00Z', {
      minor: 1000,
      items: [line('books', 2, 300), line('music', 1, 400)],
    })
    .purchased('b', '2025-03-03T18:40:00Z', { minor: 500 })
    .purchased('a', '2025-03-08T09:59:00Z', { minor: 2000, items: [line('books', 1, 2000)] })
    .purchased('c', '2025-07-15T23:30:00Z', { minor: 700, items: [line('music', 1, 700)] })
    .purchased('c', '2025-07-16T10:00:00Z', { minor: 999, currency: 'USD' })
    .purchased('b', '2025-12-24T09:00:00Z', { minor: 1200, items: [line('books', 4, 300)] })
    .purchased('a', '2026-01-01T10:00:00Z', { minor: 800 }).events;
}

const YEAR = { from: '2025-01-01', to: '2025-12-31', currency: 'EUR' };
const nonEmpty = (
  buckets: readonly { bucket: number; orders: number; revenue: { minor: number }; buyers: number }[],
) => buckets.filter((b) => b.orders > 0).map((b) => [b.bucket, b.orders, b.revenue.minor, b.buyers]);

describe('PurchaseTimingQuery', () => {
  let db: TestAnalytics;
  let query: PurchaseTimingQuery;

  beforeAll(async () => {
    db = await openProjectedStore('timing', history());
    query = new PurchaseTimingQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('counts orders, revenue and buyers by month, weekday and hour', async () => {
    const answer = await query.timing(YEAR);
    expect(answer.byMonth).toHaveLength(12);
    expect(answer.byWeekday).toHaveLength(7);
    expect(answer.byHour).toHaveLength(24);
    expect(nonEmpty(answer.byMonth)).toEqual([
      [3, 3, 3500, 2], // a a b: 1000 + 500 + 2000
      [7, 1, 700, 1],
      [12, 1, 1200, 1],
    ]);
    expect(nonEmpty(answer.byWeekday)).toEqual([
      [1, 2, 1500, 2], // Monday 03-03: a and b
      [2, 1, 700, 1], // Tuesday
      [3, 1, 1200, 1], // Wednesday
      [6, 1, 2000, 1], // Saturday
    ]);
    expect(nonEmpty(answer.byHour)).toEqual([
      [9, 3, 4200, 2], // 09:15 a, 09:59 a, 09:00 b
      [18, 1, 500, 1],
      [23, 1, 700, 1],
    ]);
    expect(answer.byWeekday[0]).toMatchObject({ label: 'Mon' });
    expect(answer.byHour[9]).toMatchObject({ label: '09:00' });
  });

  it('shows the seasonality of each category from its line items', async () => {
    const answer = await query.seasonality(YEAR);
    const summary = answer.categories.map((c) => [
      c.category,
      c.units,
      c.revenue.minor,
      c.months
        .filter((m) => m.revenueMinor > 0)
        .map((m) => [m.month, m.units, m.revenueMinor, m.seasonalityIndex]),
    ]);
    expect(summary).toEqual([
      // books: March 2 x 300 + 1 x 2000 = 2600 (3 units), December 4 x 300 = 1200; 3800 in all
      //   index = 1200 * month / total: 1200 * 2600 / 3800 = 821.05; 1200 * 1200 / 3800 = 378.95
      [
        'books',
        7,
        3800,
        [
          [3, 3, 2600, 821.05],
          [12, 4, 1200, 378.95],
        ],
      ],
      // music: March 400, July 700: 1200 * 400 / 1100 = 436.36; 1200 * 700 / 1100 = 763.64
      [
        'music',
        2,
        1100,
        [
          [3, 1, 400, 436.36],
          [7, 1, 700, 763.64],
        ],
      ],
      // b's order without line items, all in March
      ['(uncategorized)', 0, 500, [[3, 0, 500, 1200]]],
    ]);
    expect(answer.categories[0].months[2].revenueShare).toBe(0.684211); // 2600 / 3800
  });
});
