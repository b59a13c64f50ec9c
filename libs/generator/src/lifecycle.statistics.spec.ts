import { ACQUISITION_CHANNELS, CONTACT_CHANNELS, CONTACT_PURPOSES } from '@crm/domain';
import { INCOME_BANDS } from './catalog/categories.data';
import { LifecycleGenerator } from './lifecycle.generator';
import type { PublishedEvent } from './published-event';
import { expectedRepeatPurchases, probabilityNoRepeat } from './stats/bg-nbd.math';

type Of<K extends PublishedEvent['type']> = Extract<PublishedEvent, { type: K }>;
const ofType = <K extends PublishedEvent['type']>(events: readonly PublishedEvent[], type: K) =>
  events.filter((e): e is Of<K> => e.type === type);
const utc = (e: PublishedEvent) => new Date(e.occurredAt);

describe('generated lifecycles: statistics', () => {
  describe('purchases follow BG/NBD (win-backs and caused dropouts off, so every purchase comes from the model)', () => {
    const generator = new LifecycleGenerator({
      customers: 20_000,
      seed: 77,
      contacts: { winBackProbability: 0 },
      // Detractors and unresolved complaints make customers drop out on top of BG/NBD's own dropout.
      feedback: { detractorDropout: 0 },
      complaints: { perPurchase: 0 },
    });
    const purchases = ofType(
      [...generator].map((e) => e.published),
      'CustomerPurchased',
    );
    const perCustomer = new Map<string, number[]>();
    for (const p of purchases) {
      const times = perCustomer.get(p.customerId) ?? [];
      times.push(Date.parse(p.occurredAt));
      perCustomer.set(p.customerId, times);
    }
    const clock = generator.purchaseClock;
    const end = clock.toOperational(generator.toMs);
    const model = generator.options.purchase;
    let observed = 0;
    let expected = 0;
    let squares = 0;
    let repeaters = 0;
    let expectedRepeaters = 0;
    let repeaterVariance = 0;
    for (const times of perCustomer.values()) {
      const tau = end - clock.toOperational(times[0]);
      const x = times.length - 1;
      const e = expectedRepeatPurchases(model, tau);
      const q = 1 - probabilityNoRepeat(model, tau);
      observed += x;
      expected += e;
      squares += (x - e) ** 2;
      if (x > 0) repeaters++;
      expectedRepeaters += q;
      repeaterVariance += q * (1 - q);
    }

    it('makes a first purchase for about the configured share of customers', () => {
      expect(perCustomer.size / 20_000).toBeCloseTo(model.firstPurchaseProbability, 1);
    });

    it('has the analytic mean number of repeat purchases, E[X(t)] summed over each buyer’s own horizon', () => {
      expect(Math.abs(observed - expected)).toBeLessThan(4 * Math.sqrt(squares));
      expect(observed / expected).toBeGreaterThan(0.95);
      expect(observed / expected).toBeLessThan(1.05);
    });

    it('has the analytic share of repeat buyers, 1 - (alpha / (alpha + t))^r', () => {
      expect(Math.abs(repeaters - expectedRepeaters)).toBeLessThan(4 * Math.sqrt(repeaterVariance));
    });
  });

  it('spends per transaction as Gamma-Gamma says: mean p * gamma / (q - 1)', () => {
    const generator = new LifecycleGenerator({ customers: 10_000, seed: 5, countries: { US: 1 } });
    const perCustomer = new Map<string, { sum: number; n: number }>();
    const currencies = new Set<string>();
    for (const { published } of generator) {
      if (published.type !== 'CustomerPurchased') continue;
      currencies.add(published.data.amount.currency);
      const entry = perCustomer.get(published.customerId) ?? { sum: 0, n: 0 };
      entry.sum += published.data.amount.minor / 100;
      entry.n++;
      perCustomer.set(published.customerId, entry);
    }
    expect([...currencies]).toEqual(['USD']);
    const { p, q, gamma } = generator.options.spend;
    const entries = [...perCustomer.values()];
    const transactions = entries.reduce((n, e) => n + e.n, 0);
    const mean = entries.reduce((s, e) => s + e.sum, 0) / transactions;
    const clusteredSe = Math.sqrt(entries.reduce((s, e) => s + (e.sum - mean * e.n) ** 2, 0)) / transactions;
    expect(Math.abs(mean - (p * gamma) / (q - 1))).toBeLessThan(4 * clusteredSe);
  });

  describe('with the default parameters', () => {
    const generator = new LifecycleGenerator({ customers: 20_000, seed: 31 });
    const all = [...generator];
    const events = all.map((e) => e.published);
    const acquired = ofType(events, 'CustomerAcquired');
    const purchases = ofType(events, 'CustomerPurchased');
    const contacts = ofType(events, 'CustomerContacted');
    const churns = ofType(events, 'CustomerChurned');
    const referred = ofType(events, 'CustomerReferred');

    it('has about ten events per customer, most of them contacts and purchases', () => {
      expect(events.length / 20_000).toBeGreaterThan(8);
      expect(events.length / 20_000).toBeLessThan(13);
      expect(generator.dropped).toBe(0);
    });

    it('shows category seasonality: toys peak in December, garden in spring', () => {
      const counts = new Map<string, number>();
      const monthTotals = new Array<number>(12).fill(0);
      for (const p of purchases) {
        const month = utc(p).getUTCMonth();
        for (const item of p.data.items ?? []) {
          counts.set(`${item.category}/${month}`, (counts.get(`${item.category}/${month}`) ?? 0) + 1);
          monthTotals[month]++;
        }
      }
      const share = (category: string, months: number[]) =>
        months.reduce((s, m) => s + (counts.get(`${category}/${m}`) ?? 0), 0) /
        months.reduce((s, m) => s + monthTotals[m], 0);
      expect(share('toys', [11])).toBeGreaterThan(3 * share('toys', [5, 6, 7]));
      expect(share('garden', [3, 4])).toBeGreaterThan(4 * share('garden', [10, 11, 0]));
      expect(share('grocery', [11]) / share('grocery', [5, 6, 7])).toBeLessThan(1);
    });

    it('shows time-of-day and weekday patterns', () => {
      const hour = (e: PublishedEvent) => utc(e).getUTCHours();
      const evening = purchases.filter((p) => hour(p) >= 18 && hour(p) < 22).length;
      const night = purchases.filter((p) => hour(p) >= 2 && hour(p) < 6).length;
      expect(evening).toBeGreaterThan(8 * night);
      const outbound = contacts.filter(
        (c) => c.data.direction === 'outbound' && c.data.campaign !== 'welcome',
      );
      const weekend = outbound.filter((c) => [0, 6].includes(utc(c).getUTCDay())).length / 2;
      const weekday = (outbound.length - weekend * 2) / 5;
      expect(weekend).toBeLessThan(0.4 * weekday);
    });

    it('spreads acquisitions over the window and over channels, countries, ages and incomes', () => {
      const years = [2023, 2024, 2025].map(
        (y) => acquired.filter((a) => utc(a).getUTCFullYear() === y).length,
      );
      for (const n of years) expect(n / 20_000).toBeCloseTo(1 / 3, 1);
      expect(new Set(acquired.map((a) => a.data.channel))).toEqual(new Set(ACQUISITION_CHANNELS));
      expect(new Set(acquired.map((a) => a.data.profile.incomeBand))).toEqual(new Set(INCOME_BANDS));
      expect(new Set(acquired.map((a) => a.data.profile.country)).size).toBeGreaterThanOrEqual(12);
      const ages = acquired.map((a) => utc(a).getUTCFullYear() - (a.data.profile.birthYear ?? 0));
      expect(Math.min(...ages)).toBeGreaterThanOrEqual(18);
      expect(Math.max(...ages)).toBeLessThanOrEqual(85);
    });

    it('brings better customers through some channels than through others', () => {
      const channelOf = new Map(acquired.map((a) => [a.customerId, a.data.channel]));
      const meanPurchases = (channel: string) => {
        const customers = acquired.filter((a) => a.data.channel === channel).length;
        return purchases.filter((p) => channelOf.get(p.customerId) === channel).length / customers;
      };
      expect(meanPurchases('direct')).toBeGreaterThan(1.15 * meanPurchases('paid_social'));
    });

    it('contacts through every channel, in both directions, for every purpose', () => {
      expect(new Set(contacts.map((c) => c.data.channel))).toEqual(new Set(CONTACT_CHANNELS));
      expect(new Set(contacts.map((c) => c.data.direction))).toEqual(new Set(['inbound', 'outbound']));
      expect(new Set(contacts.map((c) => c.data.purpose))).toEqual(new Set(CONTACT_PURPOSES));
    });

    it('grows referral trees: referrer and referred agree, some promoters refer often, chains go deep', () => {
      const referrals = acquired.filter((a) => a.data.channel === 'referral');
      expect(referrals.length / 20_000).toBeGreaterThan(0.05);
      const acquiredAt = new Map(acquired.map((a) => [a.customerId, a.occurredAt]));
      const referredAt = new Map(
        referred.map((r) => [`${r.customerId}>${r.data.referredCustomerId}`, r.occurredAt]),
      );
      for (const a of referrals) {
        const referrer = a.data.referredBy ?? '';
        expect(referredAt.get(`${referrer}>${a.customerId}`)).toBe(a.occurredAt);
        expect((acquiredAt.get(referrer) ?? '') < a.occurredAt).toBe(true);
      }
      const parent = new Map(referrals.map((a) => [a.customerId, a.data.referredBy ?? '']));
      const depth = (id: string): number => (parent.has(id) ? 1 + depth(parent.get(id) ?? '') : 0);
      expect(Math.max(...referrals.map((a) => depth(a.customerId)))).toBeGreaterThanOrEqual(3);
      const perReferrer = new Map<string, number>();
      for (const r of referred) perReferrer.set(r.customerId, (perReferrer.get(r.customerId) ?? 0) + 1);
      expect(Math.max(...perReferrer.values())).toBeGreaterThanOrEqual(4);
    });

    it('churns voluntarily and involuntarily, and brings some churned customers back', () => {
      expect(churns.some((c) => c.data.voluntary)).toBe(true);
      expect(new Set(churns.map((c) => c.data.reason))).toEqual(
        new Set(['price', 'service', 'competitor', 'moved', 'inactivity', 'other']),
      );
      const reactivations = all.filter((e) => e.emitted.some((x) => x.type === 'CustomerReactivated'));
      expect(reactivations.length).toBeGreaterThan(100);
      expect(reactivations.every((e) => e.published.type === 'CustomerPurchased')).toBe(true);
      expect(contacts.some((c) => c.data.campaign === 'win-back')).toBe(true);
      expect(contacts.some((c) => c.data.campaign === 'exit-survey')).toBe(true);
    });
  });
});
