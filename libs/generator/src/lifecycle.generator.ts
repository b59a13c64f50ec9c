import {
  commandForPublishedEvent,
  type CustomerEvent,
  type CustomerEventDataMap,
  type CustomerState,
  decide,
  DomainError,
  type PublishableEventType,
} from '@crm/domain';
import { AcquisitionFactory } from './acquisition.factory';
import { BasketFactory } from './basket.factory';
import { ACQUISITION_ACTIVITY, CONTACT_ACTIVITY, PURCHASE_ACTIVITY } from './calendar/activity-profiles';
import { isoSeconds } from './calendar/iso-seconds';
import { DAY_MS, SeasonalClock } from './calendar/seasonal-clock';
import { REFERRAL_CHANNELS } from './catalog/channels.data';
import { ContactFactory } from './contact.factory';
import { CustomerHeap } from './customer-heap';
import * as slot from './customer-slots';
import { CHURN_REASONS_INVOLUNTARY, CHURN_REASONS_VOLUNTARY } from './catalog/churn-reasons';
import {
  type LifecycleOptions,
  type LifecycleOptionsInput,
  resolveLifecycleOptions,
} from './lifecycle.options';
import { type GeneratedEvent, type PublishedEvent, SOURCE_OF } from './published-event';
import { SeededRandom } from './random/seeded-random';
import { seededUuid } from './random/uuid';
import { ReferralPool } from './referral-pool';

const NO_KEYS: ReadonlySet<string> = new Set();
const STATUS_NAMES = ['unknown', 'active', 'churned'] as const;
const HIGH_INCOME_BAND = 4;
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
  private readonly ready: GeneratedEvent[] = [];
  private readonly acquisitionSpan: readonly [number, number];
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
    this.acquisitions = new AcquisitionFactory(this.random, this.options);
    this.baskets = new BasketFactory(this.random, this.options.spend);
    this.contacts = new ContactFactory(this.random);
  }

  /** Customers still to be heard of before `to` (acquired, with something scheduled). */
  get pending(): number {
    return this.heap.size;
  }

  customerId(index: number): string {
    return `${this.options.customerIdPrefix}${index + 1}`;
  }

  *[Symbol.iterator](): Iterator<GeneratedEvent> {
    if (this.started) throw new Error('a LifecycleGenerator runs once: create another one for a second pass');
    this.started = true;
    const n = this.options.customers;
    const ready = this.ready;
    let acquireAt = this.acquisitionTime(0);
    for (;;) {
      const top = this.heap.peek();
      const topAt = top < 0 ? Infinity : this.slots.nextAt[top];
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
    else this.inactivity(index, at);
  }

  /** BG/NBD: a purchase, then (after repeat purchases only) a dropout with probability p, else the next one. */
  private purchase(index: number, at: number): void {
    const s = this.slots;
    const random = this.random;
    const first = s.purchases[index] === 0;
    const sequence = ++s.purchases[index];
    const wasChurned = s.status[index] === slot.STATUS_CHURNED;
    this.emit(index, 'CustomerPurchased', at, this.baskets.basket(index, sequence, new Date(at), s));
    if (wasChurned) {
      s.retentionLeft[index] = 0;
      s.surveyPending[index] = 0;
      s.nextOutbound[index] = this.nextMarketing(at);
    }
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
    const voluntary = s.pendingChurn[index] === slot.CHURN_VOLUNTARY;
    s.pendingChurn[index] = slot.CHURN_NONE;
    s.nextChurn[index] = Infinity;
    if (s.status[index] !== slot.STATUS_ACTIVE) return;
    const reason = (voluntary ? CHURN_REASONS_VOLUNTARY : CHURN_REASONS_INVOLUNTARY).draw(this.random);
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
    this.emit(
      index,
      'CustomerContacted',
      at,
      this.contacts.inbound(s.inboundKind[index] === slot.INBOUND_SALES),
    );
  }

  private outbound(index: number, at: number): void {
    const s = this.slots;
    const random = this.random;
    if (s.status[index] === slot.STATUS_ACTIVE) {
      const welcome = s.contacts[index] === 0 && at - s.acquiredAt[index] < DAY_MS;
      const data = welcome
        ? this.contacts.welcome()
        : this.contacts.outbound(
            new Date(at),
            s.income[index] >= HIGH_INCOME_BAND,
            at - s.lastActivity[index] > AT_RISK_MS,
          );
      s.contacts[index]++;
      this.emit(index, 'CustomerContacted', at, data);
      s.nextOutbound[index] = this.nextMarketing(at);
      return;
    }
    const survey = s.surveyPending[index] === 1;
    if (survey) s.surveyPending[index] = 0;
    else if (s.retentionLeft[index] > 0) s.retentionLeft[index]--;
    s.contacts[index]++;
    this.emit(index, 'CustomerContacted', at, this.contacts.afterChurn(survey));
    if (!survey && s.alive[index] === 0 && random.chance(this.options.contacts.winBackProbability)) {
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
      inactivityAt,
    );
    s.nextAt[index] = next;
    return next < this.toMs;
  }

  /** Runs the candidate through the decider; yields it with what the decider emitted, or drops it. */
  private emit<K extends PublishableEventType>(
    index: number,
    type: K,
    at: number,
    data: CustomerEventDataMap[K],
    correlationId?: string,
  ): void {
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
    };
    let emitted: CustomerEvent[];
    try {
      emitted = decide(commandForPublishedEvent(published), state);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.dropped++;
      return;
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
  }
}

/** Just the published events (the API's JSON shape), in global time order. */
export function* publishedEvents(input: LifecycleOptionsInput): Generator<PublishedEvent> {
  for (const event of new LifecycleGenerator(input)) yield event.published;
}
