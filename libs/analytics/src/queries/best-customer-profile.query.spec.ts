import type { TestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { BestCustomerProfileQuery } from './best-customer-profile.query';
import { openProjectedStore } from './query-test.fixture';

/*
 * 20 customers as of 2025-12-31 (EUR); the top decile is ceil(20 / 10) = 2 customers: t1 (100.00) and t2 (90.00).
 *   t1: DE, partner, campaign spring, income 100k+, born 1980 (45 at the cutoff's year -> 45-54)
 *   t2: DE, partner, no campaign,     income 100k+, born 1985 (40 -> 35-44)
 *   b01..b18 (1.00 .. 17.00, b18 never bought): IT except b01 b02 (DE); organic except b01..b03 (partner);
 *   campaign spring only for b04; income under-50k; born 2000 (25 -> 25-34) except b17 b18 (unknown).
 */
function history() {
  const h = new RecordedHistoryBuilder('profile');
  const customer = (
    id: string,
    profile: Record<string, unknown>,
    channel: string,
    campaign: string | undefined,
    minor: number,
  ) => {
    h.acquired(id, '2025-01-05T10:00:00Z', { channel, campaign, profile });
    if (minor > 0) h.purchased(id, '2025-03-05T10:00:00Z', { minor });
  };
  customer('t1', { country: 'DE', incomeBand: '100k+', birthYear: 1980 }, 'partner', 'spring', 10_000);
  customer('t2', { country: 'DE', incomeBand: '100k+', birthYear: 1985 }, 'partner', undefined, 9_000);
  for (let i = 1; i <= 18; i++) {
    const id = `b${String(i).padStart(2, '0')}`;
    const profile = {
      country: i <= 2 ? 'DE' : 'IT',
      incomeBand: 'under-50k',
      ...(i <= 16 ? { birthYear: 2000 } : {}),
    };
    customer(
      id,
      profile,
      i <= 3 ? 'partner' : 'organic',
      i === 4 ? 'spring' : undefined,
      i < 18 ? i * 100 : 0,
    );
  }
  return h.events;
}

describe('BestCustomerProfileQuery', () => {
  let db: TestAnalytics;
  let query: BestCustomerProfileQuery;

  beforeAll(async () => {
    db = await openProjectedStore('profile', history());
    query = new BestCustomerProfileQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('indexes each attribute value of the top LTV decile against the whole base', async () => {
    const answer = await query.profile({ cutoff: '2025-12-31', currency: 'EUR' });
    expect(answer.baseCustomers).toBe(20);
    expect(answer.topCustomers).toBe(2);
    const rows = (attribute: keyof typeof answer.attributes) =>
      answer.attributes[attribute].map((v) => [v.value, v.baseCustomers, v.topCustomers, v.index]);
    // index = 100 * (top / 2) / (base / 20)
    expect(rows('country')).toEqual([
      ['DE', 4, 2, 500], // 100 * 1 / 0.2
      ['IT', 16, 0, 0],
    ]);
    expect(rows('acquisition_channel')).toEqual([
      ['partner', 5, 2, 400], // 100 * 1 / 0.25
      ['organic', 15, 0, 0],
    ]);
    expect(rows('campaign')).toEqual([
      ['spring', 2, 1, 500], // 100 * 0.5 / 0.1
      ['(none)', 18, 1, 55.56], // 100 * 0.5 / 0.9 = 55.555...
    ]);
    expect(rows('income_band')).toEqual([
      ['100k+', 2, 2, 1000], // 100 * 1 / 0.1
      ['under-50k', 18, 0, 0],
    ]);
    expect(rows('age_band')).toEqual([
      ['35-44', 1, 1, 1000], // t2: 100 * 0.5 / 0.05
      ['45-54', 1, 1, 1000], // t1
      ['(unknown)', 2, 0, 0],
      ['25-34', 16, 0, 0],
    ]);
    expect(answer.attributes.campaign[1]).toMatchObject({ baseShare: 0.9, topShare: 0.5 });
  });

  it('answers an empty profile before anyone was acquired', async () => {
    const answer = await query.profile({ cutoff: '2024-12-31', currency: 'EUR' });
    expect(answer).toMatchObject({ baseCustomers: 0, topCustomers: 0 });
    expect(answer.attributes.country).toEqual([]);
  });
});
