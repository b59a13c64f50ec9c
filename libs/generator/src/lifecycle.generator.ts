import {
  commandForPublishedEvent,
  consentKey,
  type ContactChannel,
  type CustomerContactedData,
  type CustomerEvent,
  type CustomerEventDataMap,
  type CustomerState,
  decide,
  DomainError,
} from '@crm/domain';
import { ACCOUNT_MANAGED_INCOME, AcquisitionFactory } from './acquisition.factory';
import { BasketFactory, orderId } from './basket.factory';
import { ACQUISITION_ACTIVITY, CONTACT_ACTIVITY, PURCHASE_ACTIVITY } from './calendar/activity-profiles';
import { isoSeconds } from './calendar/iso-seconds';
import { DAY_MS, SeasonalClock } from './calendar/seasonal-clock';
import { REFERRAL_CHANNELS } from './catalog/channels.data';
import { ContactFactory } from './contact.factory';
import { CustomerHeap } from './customer-heap';
import * as slot from './customer-slots';
import { CHURN_REASONS_INVOLUNTARY, CHURN_REASONS_VOLUNTARY } from './catalog/churn-reasons';
import { consentBit } from './catalog/consent.data';
import { COUNTRIES } from './catalog/countries.data';
import { ComplaintFactory, complaintId } from './complaint.factory';
import { ConsentFactory, consentsOf } from './consent.factory';
import { ContactCosts } from './contact-costs';
import { FeedbackFactory, npsClass } from './feedback.factory';
import { MarketingSpendLedger, spendCurrency } from './marketing-spend.ledger';
import {
  type LifecycleOptions,
  type LifecycleOptionsInput,
  resolveLifecycleOptions,
} from './lifecycle.options';
import {
  type GeneratedEvent,
  type GeneratedEventType,
  type GeneratedRecord,
  type PublishedEvent,
  type PublishedSpendEvent,
  SOURCE_OF,
} from './published-event';
import { SeededRandom } from './random/seeded-random';
import { seededUuid } from './random/uuid';
import { ReferralPool } from './referral-pool';

const NO_KEYS: ReadonlySet<string> = new Set();
const STATUS_NAMES = ['unknown', 'active', 'churned'] as const;
const AT_RISK_MS = 120 * DAY_MS;

const floorToSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/**
 * The lifecycle of a population of customers, as a stream of published events in global time order.
 *
 * Customers are acquired one after the other over [from, to) (stratified over the acquisition calendar).
 * Each acquired customer keeps a handful of timers (next purchase, next outbound contact, pending inbound
 * contact, pending churn, inactivity deadline) in typed-array columns, and sits in a min-heap keyed by the
 * earliest timer. Each step pops the earliest customer, produces that one event, re-arms its timers and
 * sifts it down: memory is O(customers), never O(events), and events come out in time order (so each
 * customer's own order is kept when the stream is cut into batches).
 *
 * Every candidate is run through the domain's decide(): what the decider emits is yielded with it (a purchase
 * by a churned customer comes with the CustomerReactivated the decider derives); what it refuses is dropped
 * and counted (by construction nothing is). Order ids and referrals are unique by construction, so the
 * decider's duplicate checks run against empty sets and the per-customer state stays a status.
 *
 * Issue 13's facts ride on the same timers: consents at sign-up and later changes (marketing goes out only
 * where the customer consented), preferences, NPS answers after purchases and CSAT after support contacts
 * (scored from a latent mood that is lower for customers prone to drop out), complaints after purchases
 * (most resolved after a delay), a cost on every contact, and each campaign's monthly marketing spend.
 * Detractors and customers whose complaint is never resolved drop out more; promoters refer more.
 */
export class LifecycleGenerator implements Iterable<GeneratedEvent> {
  readonly options: LifecycleOptions;
  readonly purchaseClock: SeasonalClock;
  readonly contactClock: SeasonalClock;
  readonly acquisitionClock: SeasonalClock;
  readonly fromMs: number;
  readonly toMs: number;

  /** Customers acquired so far. */
  acquired = 0;
  /** Events yielded; reactivations the decider emitted along with them; candidates it refused. */
  events = 0;
  reactivations = 0;
  dropped = 0;
  /** The simulation's clock: occurredAt of the latest event (epoch ms). */
  simulatedAt: number;

  private readonly random: SeededRandom;
  private readonly ids: SeededRandom;
  private readonly slots: slot.CustomerSlots;
  private readonly heap: CustomerHeap;
  private readonly pool = new ReferralPool();
  private readonly acquisitions: AcquisitionFactory;
  private readonly baskets: BasketFactory;
  private readonly contacts: ContactFactory;
  private readonly consent: ConsentFactory;
  private readonly feedback: FeedbackFactory;
  private readonly complaints: ComplaintFactory;
  /** The support contacts (event id, channel) that pending CSAT answers are about, by customer. */
  private readonly surveyedContacts = new Map<number, { eventId: string; channel: ContactChannel }>();
  private readonly dropoutMoments: { mean: number; sd: number };
  private readonly statementsByMask: (ReadonlyMap<string, boolean> | undefined)[] = new Array(1 << 16);
  private readonly ready: GeneratedRecord[] = [];
  private readonly acquisitionSpan: readonly [number, number];
  private ledger: MarketingSpendLedger | undefined;
  private started = false;

  constructor(input: LifecycleOptionsInput) {
    this.options = resolveLifecycleOptions(input);
    const { customers, seed } = this.options;
    this.fromMs = Date.parse(this.options.from);
    this.toMs = Date.parse(this.options.to);
    this.simulatedAt = this.fromMs;
    this.purchaseClock = new SeasonalClock(PURCHASE_ACTIVITY, this.fromMs, this.toMs);
    this.contactClock = new SeasonalClock(CONTACT_ACTIVITY, this.fromMs, this.toMs);
    this.acquisitionClock = new SeasonalClock(ACQUISITION_ACTIVITY, this.fromMs, this.toMs);
    this.acquisitionSpan = [
      this.acquisitionClock.toOperational(this.fromMs),
      this.acquisitionClock.toOperational(this.toMs),
    ];
    this.random = new SeededRandom(seed, 1);
    this.ids = new SeededRandom(seed, 2);
    this.slots = new slot.CustomerSlots(customers);
    this.heap = new CustomerHeap(customers, this.slots.nextAt);
    this.consent = new ConsentFactory(this.random, this.options.consent);
    this.acquisitions = new AcquisitionFactory(this.random, this.options, this.consent);
    this.baskets = new BasketFactory(this.random, this.options.spend);
    const costs = this.options.costs.contactCosts ? new ContactCosts(this.random) : undefined;
    this.contacts = new ContactFactory(this.random, this.consent, costs);
    this.feedback = new FeedbackFactory(this.random, this.options.feedback);
    this.complaints = new ComplaintFactory(this.random);
    const { a, b } = this.options.purchase;
    this.dropoutMoments = { mean: a / (a + b), sd: Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1))) };
  }

  /** Customers still to be heard of before `to` (acquired, with something scheduled). */
  get pending(): number {
    return this.heap.size;
  }

  customerId(index: number): string {
    return `${this.options.customerIdPrefix}${index + 1}`;
  }

  /** The customers' events only (no campaign spend), in global time order. */
  [Symbol.iterator](): Iterator<GeneratedEvent> {
    return this.run(undefined) as Iterator<GeneratedEvent>;
  }

  /**
   * Everything, in global time order: the customers' events and, unless switched off (costs.marketingSpend),
   * each campaign's monthly MarketingSpendRecorded (stream `campaign-<campaign>`).
   */
  records(): Iterable<GeneratedRecord> {
    const { costs, countries, seed } = this.options;
    const ledger = costs.marketingSpend
      ? new MarketingSpendLedger(new SeededRandom(seed, 3), this.fromMs, this.toMs, spendCurrency(countries))
      : undefined;
    return { [Symbol.iterator]: () => this.run(ledger) };
  }

  private *run(ledger: MarketingSpendLedger | undefined): Generator<GeneratedRecord> {
    if (this.started) throw new Error('a LifecycleGenerator runs once: create another one for a second pass');
    this.started = true;
    this.ledger = ledger;
    const n = this.options.customers;
    const ready = this.ready;
    let acquireAt = this.acquisitionTime(0);
    for (;;) {
      const top = this.heap.peek();
      const topAt = top < 0 ? Infinity : this.slots.nextAt[top];
      if (ledger !== undefined && ledger.due !== Infinity && Math.min(acquireAt, topAt) >= ledger.due) {
        this.simulatedAt = Math.min(ledger.due, this.toMs - 1000);
        for (const published of ledger.close()) yield { published, emitted: [] };
        continue;
      }
      if (this.acquired < n && acquireAt <= topAt) {
        this.simulatedAt = acquireAt;
        this.acquire(this.acquired, acquireAt);
        this.acquired++;
        acquireAt = this.acquired < n ? this.acquisitionTime(this.acquired) : Infinity;
      } else if (top >= 0) {
        this.simulatedAt = topAt;
        this.step(top, topAt);
        if (this.reschedule(top)) this.heap.updateTop();
        else this.heap.pop();
      } else {
        return;
      }
      for (let i = 0; i < ready.length; i++) yield ready[i];
      ready.length = 0;
    }
  }

  /** Stratified over the acquisition calendar: the k-th customer joins in the k-th slice, never after `to`. */
  private acquisitionTime(k: number): number {
    const [start, end] = this.acquisitionSpan;
    const op = start + ((k + this.random.float()) * (end - start)) / this.options.customers;
    return Math.min(floorToSecond(this.acquisitionClock.toCalendar(op)), this.toMs - 1000);
  }

  private acquire(index: number, at: number): void {
    const { purchase, spend, referrals, contacts } = this.options;
    const s = this.slots;
    const random = this.random;
    s.lambda[index] = random.gamma(purchase.r, purchase.alpha);
    s.dropout[index] = random.beta(purchase.a, purchase.b);
    s.nu[index] = random.gamma(spend.q, spend.gamma);
    // Satisfaction tracks loyalty: customers likely to drop out are less happy (and then say so).
    const { mean, sd } = this.dropoutMoments;
    s.mood[index] = 0.8 * random.normal() - (0.6 * (s.dropout[index] - mean)) / sd;
    s.alive[index] = 1;
    s.acquiredAt[index] = at;
    s.lastActivity[index] = at;

    const frequentBuyer = s.lambda[index] > (1.5 * purchase.r) / purchase.alpha;
    const referrer = random.chance(referrals.share) ? this.findReferrer() : -1;
    const customerId = this.customerId(index);
    const correlationId = referrer >= 0 ? `referral-${customerId}` : undefined;
    const channel = referrer >= 0 ? 'referral' : this.acquisitions.channel(frequentBuyer);
    const referredBy = referrer >= 0 ? this.customerId(referrer) : undefined;
    const data = this.acquisitions.acquired(index, new Date(at), channel, referredBy, s);
    this.emit(index, 'CustomerAcquired', at, data, correlationId);
    this.ledger?.acquired(data.campaign, channel);
    if (referrer >= 0) {
      this.emit(
        referrer,
        'CustomerReferred',
        at,
        {
          referredCustomerId: customerId,
          ...(random.chance(0.4) ? { referralCode: `REF-${referrer + 1}` } : {}),
          channel: random.pick(REFERRAL_CHANNELS),
        },
        correlationId,
      );
      this.pool.add(referrer);
    }
    const promoterChance = referrals.promoterShare * (frequentBuyer ? 2 : 1) * (referrer >= 0 ? 2 : 1);
    if (random.chance(promoterChance)) this.pool.add(index);

    if (random.chance(purchase.firstPurchaseProbability)) {
      s.nextPurchase[index] = this.later(this.purchaseClock, at, purchase.firstPurchaseDelayDays);
    }
    s.nextOutbound[index] =
      contacts.marketingPerMonth > 0 && random.chance(0.85)
        ? floorToSecond(at + (2 + random.exponential(20)) * 60_000) // the welcome e-mail
        : this.nextMarketing(at);
    if (random.chance(contacts.inboundSalesProbability)) {
      s.nextInbound[index] = this.later(this.purchaseClock, at, 1);
      s.inboundKind[index] = slot.INBOUND_SALES;
    }
    if (random.chance(this.options.consent.preferencesShare)) {
      s.preferencesPending[index] = 1;
      s.nextConsent[index] = this.later(this.contactClock, at, 7);
    } else this.nextConsentChange(index, at);
    if (this.reschedule(index)) this.heap.push(index);
  }

  /** An active promoter, or -1 (the newcomer then comes through another channel). */
  private findReferrer(): number {
    for (let attempt = 0; attempt < 4; attempt++) {
      const candidate = this.pool.pick(this.random);
      if (candidate < 0) return -1;
      if (this.slots.status[candidate] === slot.STATUS_ACTIVE) return candidate;
    }
    return -1;
  }

  /** Produces the event of the customer's earliest timer (or nothing, when it no longer applies). */
  private step(index: number, at: number): void {
    const s = this.slots;
    if (s.nextPurchase[index] === at) this.purchase(index, at);
    else if (s.nextChurn[index] === at) this.recordedChurn(index, at);
    else if (s.nextInbound[index] === at) this.inbound(index, at);
    else if (s.nextOutbound[index] === at) this.outbound(index, at);
    else if (s.nextFeedback[index] === at) this.answerSurvey(index, at);
    else if (s.nextComplaint[index] === at) this.openComplaint(index, at);
    else if (s.nextResolve[index] === at) this.resolveComplaint(index, at);
    else if (s.nextConsent[index] === at) this.consentOrPreferences(index, at);
    else this.inactivity(index, at);
  }

  /** BG/NBD: a purchase, then (after repeat purchases only) a dropout with probability p, else the next one. */
  private purchase(index: number, at: number): void {
    const s = this.slots;
    const random = this.random;
    const first = s.purchases[index] === 0;
    const sequence = ++s.purchases[index];
    const wasChurned = s.status[index] === slot.STATUS_CHURNED;
    const basket = this.baskets.basket(index, sequence, new Date(at), s);
    this.emit(index, 'CustomerPurchased', at, basket);
    if (wasChurned) {
      s.retentionLeft[index] = 0;
      s.surveyPending[index] = 0;
      s.nextOutbound[index] = this.nextMarketing(at);
      if (s.nextConsent[index] === Infinity) this.nextConsentChange(index, at);
    }
    this.afterPurchase(index, at, sequence, basket.amount.minor);
    s.lastActivity[index] = at;
    if (!first && random.float() < s.dropout[index]) {
      s.alive[index] = 0;
      s.nextPurchase[index] = Infinity;
      this.scheduleDropoutChurn(index, at);
    } else {
      s.nextPurchase[index] = this.later(this.purchaseClock, at, 1 / s.lambda[index]);
    }
    if (s.nextInbound[index] === Infinity && random.chance(this.options.contacts.supportProbability)) {
      s.nextInbound[index] = this.later(this.purchaseClock, at, 4);
      s.inboundKind[index] = slot.INBOUND_SUPPORT;
    }
  }

  /** Some who drop out say so (voluntary) or lose their account (involuntary); the rest go silent. */
  private scheduleDropoutChurn(index: number, at: number): void {
    const { voluntaryShare, involuntaryShare, delayDays } = this.options.churn;
    const u = this.random.float();
    if (u >= voluntaryShare + involuntaryShare) return;
    this.slots.pendingChurn[index] = u < voluntaryShare ? slot.CHURN_VOLUNTARY : slot.CHURN_INVOLUNTARY;
    this.slots.nextChurn[index] = this.later(this.contactClock, at, delayDays);
  }

  private recordedChurn(index: number, at: number): void {
    const s = this.slots;
    const pending = s.pendingChurn[index];
    const voluntary = pending === slot.CHURN_VOLUNTARY || pending === slot.CHURN_SERVICE;
    s.pendingChurn[index] = slot.CHURN_NONE;
    s.nextChurn[index] = Infinity;
    if (s.status[index] !== slot.STATUS_ACTIVE) return;
    const reason =
      pending === slot.CHURN_SERVICE
        ? 'service'
        : (voluntary ? CHURN_REASONS_VOLUNTARY : CHURN_REASONS_INVOLUNTARY).draw(this.random);
    this.emit(index, 'CustomerChurned', at, { reason, voluntary });
    this.startWinBack(index, at, voluntary && this.random.chance(0.5));
  }

  /** The business's rule: no purchase for `inactivityDays` and the customer is recorded as churned. */
  private inactivity(index: number, at: number): void {
    this.emit(index, 'CustomerChurned', at, { reason: 'inactivity', voluntary: false });
    this.slots.pendingChurn[index] = slot.CHURN_NONE;
    this.slots.nextChurn[index] = Infinity;
    this.startWinBack(index, at, false);
  }

  private startWinBack(index: number, at: number, exitSurvey: boolean): void {
    const s = this.slots;
    s.retentionLeft[index] = this.options.contacts.winBackAttempts;
    s.surveyPending[index] = exitSurvey ? 1 : 0;
    s.nextInbound[index] = Infinity;
    s.nextOutbound[index] =
      exitSurvey || s.retentionLeft[index] > 0
        ? this.later(this.contactClock, at, exitSurvey ? 3 : 14)
        : Infinity;
  }

  private inbound(index: number, at: number): void {
    const s = this.slots;
    s.nextInbound[index] = Infinity;
    if (s.status[index] !== slot.STATUS_ACTIVE) return;
    const sales = s.inboundKind[index] === slot.INBOUND_SALES;
    const data = this.contacts.inbound(sales, s.country[index]);
    const eventId = this.emit(index, 'CustomerContacted', at, data);
    if (
      !sales &&
      eventId !== undefined &&
      s.nextFeedback[index] === Infinity &&
      this.random.chance(this.options.feedback.csatAfterSupport)
    ) {
      s.feedbackKind[index] = slot.FEEDBACK_CSAT;
      this.surveyedContacts.set(index, { eventId, channel: data.channel });
      s.nextFeedback[index] = this.later(this.contactClock, at, 0.5);
    }
  }

  private outbound(index: number, at: number): void {
    const s = this.slots;
    const random = this.random;
    if (s.status[index] === slot.STATUS_ACTIVE) {
      const welcome = s.contacts[index] === 0 && at - s.acquiredAt[index] < DAY_MS;
      const data =
        s.noMarketing[index] === 1
          ? undefined // the customer asked for no contact at all (preferences)
          : welcome
            ? this.contacts.welcome(s.consents[index], s.country[index])
            : this.contacts.outbound(
                new Date(at),
                s.income[index] >= ACCOUNT_MANAGED_INCOME,
                at - s.lastActivity[index] > AT_RISK_MS,
                s.consents[index],
                s.country[index],
              );
      s.contacts[index]++;
      if (data !== undefined && this.emit(index, 'CustomerContacted', at, data) !== undefined)
        this.unsubscribe(index, at, data);
      s.nextOutbound[index] = this.nextMarketing(at);
      return;
    }
    const survey = s.surveyPending[index] === 1;
    if (survey) s.surveyPending[index] = 0;
    else if (s.retentionLeft[index] > 0) s.retentionLeft[index]--;
    s.contacts[index]++;
    const data = this.contacts.afterChurn(survey, s.consents[index], s.country[index]);
    const reached = data !== undefined && this.emit(index, 'CustomerContacted', at, data) !== undefined;
    if (reached) this.unsubscribe(index, at, data);
    if (
      reached &&
      !survey &&
      s.alive[index] === 0 &&
      random.chance(this.options.contacts.winBackProbability)
    ) {
      s.alive[index] = 1; // won back: buys again soon, then follows its own BG/NBD process
      s.nextPurchase[index] = this.later(this.purchaseClock, at, 10);
    }
    s.nextOutbound[index] = s.retentionLeft[index] > 0 ? this.later(this.contactClock, at, 45) : Infinity;
  }

  private nextMarketing(at: number): number {
    const perMonth = this.options.contacts.marketingPerMonth;
    return perMonth > 0 ? this.later(this.contactClock, at, 30.4 / perMonth) : Infinity;
  }

  /** An exponential delay of the given mean, in the clock's operational days, from `at`. */
  private later(clock: SeasonalClock, at: number, meanDays: number): number {
    return floorToSecond(clock.advance(at, this.random.exponential(meanDays)));
  }

  /** An e-mail answered with "unsubscribe": the consent it was sent under is withdrawn at once. */
  private unsubscribe(index: number, at: number, contact: CustomerContactedData): void {
    if (contact.outcome !== 'unsubscribed') return;
    const purpose = contact.purpose === 'survey' ? 'survey' : 'marketing';
    const bit = consentBit('email', purpose);
    if ((this.slots.consents[index] & bit) === 0) return;
    const withdrawal = { channel: 'email', purpose, source: 'unsubscribe-link' } as const;
    if (this.emit(index, 'CustomerConsentWithdrawn', at, withdrawal) !== undefined)
      this.slots.consents[index] &= ~bit;
  }

  /** The decider's view of a consent mask (granted statements), one map per mask. */
  private consentStatements(mask: number): ReadonlyMap<string, boolean> {
    let statements = this.statementsByMask[mask];
    if (statements === undefined) {
      statements = new Map(consentsOf(mask).map((c) => [consentKey(c.channel, c.purpose), true]));
      this.statementsByMask[mask] = statements;
    }
    return statements;
  }

  /** After a purchase: maybe an NPS answer about it later, maybe a complaint about it. */
  private afterPurchase(index: number, at: number, sequence: number, amountMinor: number): void {
    const s = this.slots;
    const random = this.random;
    const { feedback, complaints } = this.options;
    if (s.nextFeedback[index] === Infinity && random.chance(feedback.npsAfterPurchase)) {
      s.feedbackKind[index] = slot.FEEDBACK_NPS;
      s.feedbackOrder[index] = sequence;
      s.nextFeedback[index] = this.later(this.contactClock, at, 2);
    }
    const unhappy = s.mood[index] < -0.7 ? 2 : 1;
    if (s.complaint[index] === slot.COMPLAINT_NONE && random.chance(complaints.perPurchase * unhappy)) {
      s.complaint[index] = slot.COMPLAINT_PENDING;
      s.complaintOrder[index] = sequence;
      s.complaintOrderMinor[index] = amountMinor;
      s.nextComplaint[index] = this.later(this.contactClock, at, 3);
    }
  }

  /** A survey answer; detractors may leave because of what they report, promoters refer more. */
  private answerSurvey(index: number, at: number): void {
    const s = this.slots;
    const random = this.random;
    s.nextFeedback[index] = Infinity;
    const contact = this.surveyedContacts.get(index);
    this.surveyedContacts.delete(index);
    if (s.status[index] !== slot.STATUS_ACTIVE) return;
    const complaintOpen = s.complaint[index] === slot.COMPLAINT_OPEN;
    const { detractorDropout } = this.options.feedback;
    if (s.feedbackKind[index] === slot.FEEDBACK_NPS) {
      const order = orderId(index, s.feedbackOrder[index]);
      const data = this.feedback.nps(new Date(at), s.mood[index], complaintOpen, order);
      if (this.emit(index, 'CustomerFeedbackGiven', at, data) === undefined) return;
      const kind = npsClass(data.score);
      if (kind === 'promoter') this.pool.add(index);
      const dropout = kind === 'detractor' ? detractorDropout : kind === 'passive' ? detractorDropout / 6 : 0;
      if (random.chance(dropout)) this.dropOut(index, at, 0.6, false);
    } else if (contact !== undefined) {
      const data = this.feedback.csat(s.mood[index], complaintOpen, contact.channel, contact.eventId);
      if (this.emit(index, 'CustomerFeedbackGiven', at, data) === undefined) return;
      if (data.score <= 2 && random.chance(detractorDropout / 2)) this.dropOut(index, at, 0.5, true);
    }
  }

  /**
   * A complaint about a recent order. Whether it will ever be resolved is known now: most are, after a
   * delay that grows with severity; a customer whose complaint goes unanswered often leaves.
   */
  private openComplaint(index: number, at: number): void {
    const s = this.slots;
    const random = this.random;
    s.nextComplaint[index] = Infinity;
    if (s.status[index] !== slot.STATUS_ACTIVE) {
      s.complaint[index] = slot.COMPLAINT_NONE;
      return;
    }
    const sequence = ++s.complaints[index];
    const severity = this.complaints.severity();
    const data = this.complaints.opened(
      complaintId(index, sequence),
      severity,
      orderId(index, s.complaintOrder[index]),
    );
    if (this.emit(index, 'CustomerComplaintOpened', at, data) === undefined) {
      s.complaint[index] = slot.COMPLAINT_NONE;
      return;
    }
    s.complaint[index] = slot.COMPLAINT_OPEN;
    const { resolvedShare, resolutionDays, unresolvedDropout } = this.options.complaints;
    if (random.chance(resolvedShare)) {
      const meanDays = resolutionDays * this.complaints.delayFactor(severity);
      s.nextResolve[index] = Math.max(at + 1000, this.later(this.contactClock, at, meanDays));
    } else if (random.chance(unresolvedDropout)) {
      this.dropOut(index, at, 0.7, true);
    }
  }

  private resolveComplaint(index: number, at: number): void {
    const s = this.slots;
    s.nextResolve[index] = Infinity;
    if (s.status[index] !== slot.STATUS_ACTIVE) return; // left before it was resolved: it stays open
    const country = COUNTRIES[s.country[index]];
    const data = this.complaints.resolved(
      complaintId(index, s.complaints[index]),
      s.complaintOrderMinor[index],
      country.currency,
    );
    if (this.emit(index, 'CustomerComplaintResolved', at, data) === undefined) return;
    s.complaint[index] = slot.COMPLAINT_NONE;
    if (this.random.chance(data.accepted ? 0.04 : 0.2)) this.dropOut(index, at, 0.5, true);
  }

  /** Preferences (once, soon after sign-up, for some), then now and then a consent granted or withdrawn. */
  private consentOrPreferences(index: number, at: number): void {
    const s = this.slots;
    s.nextConsent[index] = Infinity;
    if (s.status[index] !== slot.STATUS_ACTIVE) return;
    if (s.preferencesPending[index] === 1) {
      s.preferencesPending[index] = 0;
      const data = this.consent.preferences(s.consents[index], COUNTRIES[s.country[index]]);
      if (this.emit(index, 'CustomerPreferencesSet', at, data) !== undefined)
        s.noMarketing[index] = data.contactFrequency === 'never' ? 1 : 0;
    } else {
      const change = this.consent.change(s.consents[index]);
      const type = change.granted ? 'CustomerConsentGranted' : 'CustomerConsentWithdrawn';
      if (this.emit(index, type, at, change.data) !== undefined) s.consents[index] = change.mask;
    }
    this.nextConsentChange(index, at);
  }

  private nextConsentChange(index: number, at: number): void {
    const perYear = this.options.consent.changesPerYear;
    this.slots.nextConsent[index] = perYear > 0 ? this.later(this.contactClock, at, 365 / perYear) : Infinity;
  }

  /**
   * The customer stops buying now (BG/NBD's dropout, caused rather than drawn); some say so later (a recorded
   * voluntary churn, for service reasons when a complaint or a bad support contact caused it).
   */
  private dropOut(index: number, at: number, recordChance: number, service: boolean): void {
    const s = this.slots;
    if (s.alive[index] === 0) return;
    s.alive[index] = 0;
    s.nextPurchase[index] = Infinity;
    if (s.pendingChurn[index] === slot.CHURN_NONE && this.random.chance(recordChance)) {
      s.pendingChurn[index] = service ? slot.CHURN_SERVICE : slot.CHURN_VOLUNTARY;
      s.nextChurn[index] = this.later(this.contactClock, at, this.options.churn.delayDays);
    }
  }

  /** Sets the heap key; false when nothing is left to happen before `to`. */
  private reschedule(index: number): boolean {
    const s = this.slots;
    const inactivityAt =
      s.status[index] === slot.STATUS_ACTIVE
        ? s.lastActivity[index] + this.options.churn.inactivityDays * DAY_MS
        : Infinity;
    const next = Math.min(
      s.nextPurchase[index],
      s.nextChurn[index],
      s.nextInbound[index],
      s.nextOutbound[index],
      s.nextFeedback[index],
      s.nextComplaint[index],
      s.nextResolve[index],
      s.nextConsent[index],
      inactivityAt,
    );
    s.nextAt[index] = next;
    return next < this.toMs;
  }

  /**
   * Runs the candidate through the decider; yields it with what the decider emitted, or drops it.
   * Returns the event's id, undefined when the decider refused it.
   */
  private emit<K extends GeneratedEventType>(
    index: number,
    type: K,
    at: number,
    data: CustomerEventDataMap[K],
    correlationId?: string,
  ): string | undefined {
    const s = this.slots;
    const published = {
      eventId: seededUuid(this.ids),
      type,
      customerId: this.customerId(index),
      occurredAt: isoSeconds(at),
      metadata: correlationId ? { source: SOURCE_OF[type], correlationId } : { source: SOURCE_OF[type] },
      data,
    } as PublishedEvent;
    const status = s.status[index];
    const state: CustomerState = {
      status: STATUS_NAMES[status],
      ...(status === slot.STATUS_CHURNED ? { churnedAt: new Date(s.churnedAt[index]).toISOString() } : {}),
      orderIds: NO_KEYS,
      referred: NO_KEYS,
      // The generator never erases: erasure is an admin action through the API, not a published fact.
      erased: false,
      // What the rules of these two types read, kept in the slots as a mask and the current complaint.
      consents: type === 'CustomerContacted' ? this.consentStatements(s.consents[index]) : undefined,
      complaints:
        type === 'CustomerComplaintResolved' && s.complaint[index] === slot.COMPLAINT_OPEN
          ? new Map([[complaintId(index, s.complaints[index]), 'open' as const]])
          : undefined,
    };
    let emitted: CustomerEvent[];
    try {
      emitted = decide(commandForPublishedEvent(published), state);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.dropped++;
      return undefined;
    }
    for (const event of emitted) {
      if (event.type === 'CustomerAcquired') s.status[index] = slot.STATUS_ACTIVE;
      else if (event.type === 'CustomerReactivated') {
        s.status[index] = slot.STATUS_ACTIVE;
        this.reactivations++;
      } else if (event.type === 'CustomerChurned') {
        s.status[index] = slot.STATUS_CHURNED;
        s.churnedAt[index] = at;
      }
    }
    this.events++;
    this.ready.push({ published, emitted });
    return published.eventId;
  }
}

/** Just the published events (the API's JSON shape), in global time order. */
export function* publishedEvents(input: LifecycleOptionsInput): Generator<PublishedEvent> {
  for (const event of new LifecycleGenerator(input)) yield event.published;
}

/** Everything `crm generate --out` writes: customer events and campaign spend, in global time order. */
export function* publishedRecords(
  input: LifecycleOptionsInput,
): Generator<PublishedEvent | PublishedSpendEvent> {
  for (const record of new LifecycleGenerator(input).records()) yield record.published;
}
