import { createHash } from 'node:crypto';
import { type ConsentScope, FEEDBACK_SCALES } from '@crm/domain';
import { validateMarketingSpend } from '@crm/ingest';
import { consentKey } from '@crm/domain';
import { npsClass } from './feedback.factory';
import { LifecycleGenerator, publishedRecords } from './lifecycle.generator';
import { isSpend, type PublishedEvent, type PublishedSpendEvent } from './published-event';

type Of<K extends PublishedEvent['type']> = Extract<PublishedEvent, { type: K }>;
const ofType = <K extends PublishedEvent['type']>(events: readonly PublishedEvent[], type: K) =>
  events.filter((e): e is Of<K> => e.type === type);

/** A share and its standard error. */
const rate = (hits: number, n: number) => ({
  p: hits / n,
  se: Math.sqrt(((hits / n) * (1 - hits / n)) / n),
  n,
});
/** a's share exceeds b's by more than four standard errors of the difference. */
const clearlyAbove = (a: ReturnType<typeof rate>, b: ReturnType<typeof rate>) =>
  a.p - b.p > 4 * Math.sqrt(a.se ** 2 + b.se ** 2);

describe('generated customer facts (issue 13): statistics and links', () => {
  const generator = new LifecycleGenerator({ customers: 20_000, seed: 31 });
  const records = [...generator.records()];
  const events = records.filter((r) => !isSpend(r)).map((r) => r.published as PublishedEvent);
  const spends = records.filter(isSpend).map((r) => r.published);
  const acquired = ofType(events, 'CustomerAcquired');
  const contacts = ofType(events, 'CustomerContacted');
  const purchases = ofType(events, 'CustomerPurchased');
  const feedback = ofType(events, 'CustomerFeedbackGiven');
  const opened = ofType(events, 'CustomerComplaintOpened');
  const resolved = ofType(events, 'CustomerComplaintResolved');
  const churnTimes = new Map<string, string[]>();
  for (const c of ofType(events, 'CustomerChurned'))
    churnTimes.set(c.customerId, [...(churnTimes.get(c.customerId) ?? []), c.occurredAt]);
  const churnsAfter = (customerId: string, at: string) =>
    (churnTimes.get(customerId) ?? []).some((t) => t >= at);

  it('carries every new fact, the decider refusing none, in time order with the spend', () => {
    expect(generator.dropped).toBe(0);
    for (const type of [
      'CustomerFeedbackGiven',
      'CustomerComplaintOpened',
      'CustomerComplaintResolved',
      'CustomerConsentGranted',
      'CustomerConsentWithdrawn',
      'CustomerPreferencesSet',
    ] as const)
      expect(ofType(events, type).length).toBeGreaterThan(500);
    expect(spends.length).toBeGreaterThan(200);
    const times = records.map((r) => r.published.occurredAt);
    expect(times.filter((t, i) => i > 0 && t < times[i - 1])).toEqual([]);
  });

  it('churns detractors more than passives, and passives more than promoters (after their first NPS)', () => {
    const first = new Map<string, Of<'CustomerFeedbackGiven'>>();
    for (const f of feedback)
      if (f.data.metric === 'nps' && !first.has(f.customerId)) first.set(f.customerId, f);
    const counts = { detractor: [0, 0], passive: [0, 0], promoter: [0, 0] };
    for (const f of first.values()) {
      const c = counts[npsClass(f.data.score)];
      c[0]++;
      if (churnsAfter(f.customerId, f.occurredAt)) c[1]++;
    }
    const churn = (k: keyof typeof counts) => rate(counts[k][1], counts[k][0]);
    expect(churn('detractor').n).toBeGreaterThan(500);
    expect(churn('promoter').n).toBeGreaterThan(1000);
    expect(clearlyAbove(churn('detractor'), churn('passive'))).toBe(true);
    expect(clearlyAbove(churn('passive'), churn('promoter'))).toBe(true);
  });

  it('has promoters refer more than detractors, and NPS classes in plausible shares', () => {
    const referrals = new Map<string, number>();
    for (const r of ofType(events, 'CustomerReferred'))
      referrals.set(r.customerId, (referrals.get(r.customerId) ?? 0) + 1);
    const nps = feedback.filter((f) => f.data.metric === 'nps');
    const byClass = (k: string) => nps.filter((f) => npsClass(f.data.score) === k);
    const referralsPer = (answers: readonly Of<'CustomerFeedbackGiven'>[]) => {
      const customers = new Set(answers.map((f) => f.customerId));
      return [...customers].reduce((n, id) => n + (referrals.get(id) ?? 0), 0) / customers.size;
    };
    expect(referralsPer(byClass('promoter'))).toBeGreaterThan(2 * referralsPer(byClass('detractor')));
    for (const k of ['promoter', 'passive', 'detractor']) {
      expect(byClass(k).length / nps.length).toBeGreaterThan(0.1);
      expect(byClass(k).length / nps.length).toBeLessThan(0.6);
    }
  });

  it('links answers to what they are about: NPS to a purchase, CSAT to an inbound support contact before it', () => {
    const orders = new Map(purchases.map((p) => [`${p.customerId}/${p.data.orderId}`, p.occurredAt]));
    const contactById = new Map(contacts.map((c) => [c.eventId, c]));
    const broken: string[] = [];
    for (const f of feedback) {
      const { min, max } = FEEDBACK_SCALES[f.data.metric];
      if (!Number.isInteger(f.data.score) || f.data.score < min || f.data.score > max)
        broken.push(`scale ${f.eventId}`);
      if (f.data.metric === 'nps') {
        const at = orders.get(`${f.customerId}/${f.data.orderId ?? ''}`);
        if (at === undefined || at > f.occurredAt) broken.push(`nps order ${f.eventId}`);
      } else {
        const c = contactById.get(f.data.contactEventId ?? '');
        if (
          !c ||
          c.customerId !== f.customerId ||
          c.data.purpose !== 'support' ||
          c.occurredAt > f.occurredAt
        )
          broken.push(`csat contact ${f.eventId}`);
      }
    }
    expect(broken.slice(0, 5)).toEqual([]);
    const withComment = feedback.filter((f) => f.data.comment !== undefined).length / feedback.length;
    expect(withComment).toBeGreaterThan(0.2);
    expect(withComment).toBeLessThan(0.4);
  });

  it('opens complaints about the customer’s orders, resolves most later in the order’s currency, some never', () => {
    const orders = new Map(purchases.map((p) => [`${p.customerId}/${p.data.orderId}`, p]));
    const openedById = new Map(opened.map((o) => [`${o.customerId}/${o.data.complaintId}`, o]));
    expect(openedById.size).toBe(opened.length); // each complaint opened once
    const broken: string[] = [];
    let compensated = 0;
    for (const r of resolved) {
      const o = openedById.get(`${r.customerId}/${r.data.complaintId}`);
      if (!o || o.occurredAt > r.occurredAt) {
        broken.push(`resolved before opened ${r.eventId}`);
        continue;
      }
      const order = orders.get(`${o.customerId}/${o.data.orderId ?? ''}`);
      if (!order || order.occurredAt > o.occurredAt) broken.push(`complaint order ${o.eventId}`);
      if (r.data.compensation) {
        compensated++;
        if (r.data.compensation.currency !== order?.data.amount.currency)
          broken.push(`currency ${r.eventId}`);
        if (r.data.compensation.minor > (order?.data.amount.minor ?? 0)) broken.push(`too much ${r.eventId}`);
      }
    }
    expect(broken.slice(0, 5)).toEqual([]);
    expect(new Set(resolved.map((r) => `${r.customerId}/${r.data.complaintId}`)).size).toBe(resolved.length);
    expect(resolved.length / opened.length).toBeGreaterThan(0.6);
    expect(resolved.length / opened.length).toBeLessThan(0.9);
    expect(compensated / resolved.length).toBeGreaterThan(0.2);
  });

  it('churns customers whose complaint was never resolved more than those whose complaint was', () => {
    const resolvedIds = new Set(resolved.map((r) => `${r.customerId}/${r.data.complaintId}`));
    const counts = { resolved: [0, 0], unresolved: [0, 0] };
    const seen = new Set<string>();
    for (const o of opened) {
      if (seen.has(o.customerId)) continue; // each customer's first complaint
      seen.add(o.customerId);
      const c = counts[resolvedIds.has(`${o.customerId}/${o.data.complaintId}`) ? 'resolved' : 'unresolved'];
      c[0]++;
      if (churnsAfter(o.customerId, o.occurredAt)) c[1]++;
    }
    const unresolved = rate(counts.unresolved[1], counts.unresolved[0]);
    const resolvedRate = rate(counts.resolved[1], counts.resolved[0]);
    expect(unresolved.n).toBeGreaterThan(200);
    expect(clearlyAbove(unresolved, resolvedRate)).toBe(true);
  });

  it('never contacts for marketing without the customer’s consent on that channel', () => {
    const held = new Map<string, Set<string>>();
    const key = (c: ConsentScope) => consentKey(c.channel, c.purpose);
    const violations: string[] = [];
    let marketing = 0;
    for (const e of events) {
      if (e.type === 'CustomerAcquired') held.set(e.customerId, new Set((e.data.consents ?? []).map(key)));
      else if (e.type === 'CustomerConsentGranted') held.get(e.customerId)?.add(key(e.data));
      else if (e.type === 'CustomerConsentWithdrawn') held.get(e.customerId)?.delete(key(e.data));
      else if (e.type === 'CustomerContacted' && e.data.direction === 'outbound') {
        const purpose = e.data.purpose === 'survey' ? 'survey' : 'marketing';
        if (e.data.purpose === 'marketing') marketing++;
        if (!held.get(e.customerId)?.has(consentKey(e.data.channel, purpose)))
          violations.push(`${e.customerId} ${e.data.channel} ${e.data.purpose} ${e.occurredAt}`);
      }
    }
    expect(violations.slice(0, 5)).toEqual([]);
    expect(marketing).toBeGreaterThan(20_000);
    // Most consent to e-mail marketing at sign-up, fewer to SMS; unsubscribing withdraws e-mail consent.
    const share = (k: string) =>
      acquired.filter((a) => (a.data.consents ?? []).some((c) => key(c) === k)).length / acquired.length;
    expect(share('email:marketing')).toBeGreaterThan(0.6);
    expect(share('sms:marketing')).toBeLessThan(share('email:marketing') / 2);
    expect(
      acquired.every(
        (a) =>
          a.data.attributes?.marketingOptIn ===
          (a.data.consents ?? []).some((c) => key(c) === 'email:marketing'),
      ),
    ).toBe(true);
    const unsubscribed = contacts.filter((c) => c.data.outcome === 'unsubscribed');
    const withdrawnAt = new Set(
      ofType(events, 'CustomerConsentWithdrawn').map(
        (w) => `${w.customerId}/${w.occurredAt}/${w.data.channel}`,
      ),
    );
    expect(unsubscribed.length).toBeGreaterThan(100);
    expect(
      unsubscribed.filter((c) => !withdrawnAt.has(`${c.customerId}/${c.occurredAt}/email`)).length,
    ).toBeLessThan(0.05 * unsubscribed.length);
  });

  it('costs phone and meeting contacts far more than e-mail and push, in the customer’s currency', () => {
    const usd = contacts.filter((c) => c.data.cost?.currency === 'USD');
    const mean = (channel: string) => {
      const costs = usd.filter((c) => c.data.channel === channel).map((c) => c.data.cost?.minor ?? 0);
      return costs.reduce((a, b) => a + b, 0) / costs.length;
    };
    expect(contacts.every((c) => c.data.cost !== undefined)).toBe(true);
    expect(mean('phone')).toBeGreaterThan(50 * mean('email'));
    expect(mean('meeting')).toBeGreaterThan(3 * mean('phone'));
    expect(mean('email')).toBeGreaterThan(mean('push'));
    const currencyOf = new Map(purchases.map((p) => [p.customerId, p.data.amount.currency]));
    expect(
      contacts.filter(
        (c) => currencyOf.has(c.customerId) && c.data.cost?.currency !== currencyOf.get(c.customerId),
      ),
    ).toEqual([]);
  });

  it('spends per campaign and month on the acquisitions’ campaigns, paid channels costing more per customer', () => {
    const campaignChannel = new Map(
      acquired.filter((a) => a.data.campaign).map((a) => [a.data.campaign, a.data.channel]),
    );
    const bad = spends.filter((s) => campaignChannel.get(s.data.campaign) !== s.data.channel);
    expect(bad.slice(0, 3)).toEqual([]);
    const perCustomer = (channel: string) => {
      const spent = spends
        .filter((s) => s.data.channel === channel)
        .reduce((n, s) => n + s.data.amount.minor, 0);
      return spent / acquired.filter((a) => a.data.channel === channel).length;
    };
    expect(perCustomer('paid_social')).toBeGreaterThan(5 * perCustomer('email'));
    expect(perCustomer('paid_search')).toBeGreaterThan(5 * perCustomer('email'));
    expect(perCustomer('offline')).toBeGreaterThan(perCustomer('partner'));
    expect(spends.some((s) => s.data.channel === 'organic' || s.data.channel === 'direct')).toBe(false);
    // One spend per campaign and month, covering that month (in the window).
    const months = spends.map((s) => `${s.data.campaign}/${s.data.periodStart.slice(0, 7)}`);
    expect(new Set(months).size).toBe(spends.length);
    for (const s of spends.slice(0, 200)) {
      expect(s.data.periodEnd.slice(0, 7)).toBe(s.data.periodStart.slice(0, 7));
      expect(s.occurredAt > s.data.periodEnd).toBe(true);
    }
    expect(new Set(spends.map((s) => s.data.amount.currency))).toEqual(new Set(['USD']));
  });

  it('passes the spend entrance’s validation', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    const refused = spends
      .map(({ type: _type, ...body }) => validateMarketingSpend(body, now))
      .filter((v) => !v.ok);
    expect(refused.slice(0, 2)).toEqual([]);
  });
});

describe('generated customer facts: determinism and options', () => {
  const digest = (records: Iterable<PublishedEvent | PublishedSpendEvent>) => {
    const hash = createHash('sha256');
    for (const r of records) hash.update(JSON.stringify(r)).update('\n');
    return hash.digest('hex');
  };

  it('is the same for the same seed, spend included, and differs for another', () => {
    const a = digest(publishedRecords({ customers: 2000, seed: 9 }));
    expect(digest(publishedRecords({ customers: 2000, seed: 9 }))).toBe(a);
    expect(digest(publishedRecords({ customers: 2000, seed: 10 }))).not.toBe(a);
  });

  it('switches each fact off, leaving marketing to consenting customers', () => {
    const events = [
      ...publishedRecords({
        customers: 1500,
        seed: 4,
        feedback: { npsAfterPurchase: 0, csatAfterSupport: 0 },
        complaints: { perPurchase: 0 },
        consent: { changesPerYear: 0, preferencesShare: 0 },
        costs: { contactCosts: false, marketingSpend: false },
      }),
    ];
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'CustomerFeedbackGiven',
      'CustomerComplaintOpened',
      'CustomerPreferencesSet',
      'CustomerConsentGranted',
      'MarketingSpendRecorded',
    ])
      expect(types.has(type as PublishedEvent['type'])).toBe(false);
    expect(events.some((e) => e.type === 'CustomerContacted' && e.data.cost !== undefined)).toBe(false);
    expect(types.has('CustomerContacted')).toBe(true);
  });

  it('keeps the spend in one currency when the customers share it', () => {
    const spend = [...publishedRecords({ customers: 800, seed: 2, countries: { DE: 1, FR: 1 } })].filter(
      (e): e is PublishedSpendEvent => e.type === 'MarketingSpendRecorded',
    );
    expect(spend.length).toBeGreaterThan(10);
    expect(new Set(spend.map((s) => s.data.amount.currency))).toEqual(new Set(['EUR']));
  });
});
