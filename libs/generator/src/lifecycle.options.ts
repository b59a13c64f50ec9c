import { toSeed } from './random/seeded-random';

/**
 * Parameters of the generative story. Time unit of rates: days (of operational time, see SeasonalClock).
 *
 * Purchases follow BG/NBD (Fader, Hardie and Lee, 2005): after a first ("trial") purchase, a customer buys
 * at Poisson rate lambda ~ Gamma(r, alpha) while alive and, after each repeat purchase, drops out for good with
 * probability p ~ Beta(a, b). Spend per transaction is Gamma-Gamma (Fader, Hardie and Lee, 2005b): value ~
 * Gamma(p, nu) with nu ~ Gamma(q, gamma), in base currency units, converted to the customer's currency.
 */
export interface PurchaseModel {
  /** Shape of the Gamma distribution of purchase rates. */
  readonly r: number;
  /** Rate (scale^-1, in days) of the Gamma distribution of purchase rates: mean rate r / alpha per day. */
  readonly alpha: number;
  /** Beta(a, b) of the dropout probability after each repeat purchase. */
  readonly a: number;
  readonly b: number;
  /** Share of acquired customers who make a first purchase at all. */
  readonly firstPurchaseProbability: number;
  /** Mean delay from acquisition to the first purchase (operational days). */
  readonly firstPurchaseDelayDays: number;
}

export interface SpendModel {
  /** Shape of a transaction's value given the customer (Gamma-Gamma's p). */
  readonly p: number;
  /** Shape (q) and rate (gamma) of the customers' nu: mean value per transaction p * gamma / (q - 1). */
  readonly q: number;
  readonly gamma: number;
}

export interface ContactModel {
  /** Outbound marketing and sales contacts per month to an active customer. */
  readonly marketingPerMonth: number;
  /** Chance that a purchase is followed by an inbound support contact. */
  readonly supportProbability: number;
  /** Chance that a new customer asks a pre-sales question (inbound, sales) soon after sign-up. */
  readonly inboundSalesProbability: number;
  /** Win-back (retention) contacts after a churn. */
  readonly winBackAttempts: number;
  /** Chance that a win-back contact revives a customer who had dropped out (a reactivation to come). */
  readonly winBackProbability: number;
}

export interface ChurnModel {
  /** The business records an involuntary churn (reason inactivity) after this long without a purchase. */
  readonly inactivityDays: number;
  /** Of customers who drop out, the share who say so (voluntary churn: price, service, competitor, ...). */
  readonly voluntaryShare: number;
  /** Of customers who drop out, the share whose account is closed for them (moved, other; involuntary). */
  readonly involuntaryShare: number;
  /** Mean delay from the dropout (the last purchase) to the recorded voluntary or involuntary churn. */
  readonly delayDays: number;
}

export interface ReferralModel {
  /** Share of new customers who come through a referral (when a promoter exists). */
  readonly share: number;
  /** Share of customers who become promoters (doubled for frequent buyers and for referred customers). */
  readonly promoterShare: number;
}

/**
 * Consent (issue 13): what customers agree to at sign-up and change later. Marketing goes out only on a
 * channel the customer consented to (the generator treats every channel as opt-in, which is valid under any
 * lawful policy the decider enforces), surveys only where the customer agreed to surveys.
 */
export interface ConsentModel {
  /** Share of new customers who consent to e-mail marketing at sign-up (SMS, push and the others fewer). */
  readonly emailShare: number;
  /** Share of new customers (with a phone number) who consent to SMS marketing. */
  readonly smsShare: number;
  /** Consent changes (a grant or a withdrawal in the preference centre) per customer-year; 0 for none. */
  readonly changesPerYear: number;
  /** Share of customers who state their preferences (channel, language, frequency, categories). */
  readonly preferencesShare: number;
}

/** Satisfaction surveys: NPS after purchases, CSAT after support contacts. 0 switches each off. */
export interface FeedbackModel {
  /** Chance that a purchase is followed by an NPS answer. */
  readonly npsAfterPurchase: number;
  /** Chance that an inbound support contact is followed by a CSAT answer. */
  readonly csatAfterSupport: number;
  /** Share of answers with a free-text comment (personal data). */
  readonly commentShare: number;
  /** Chance that a detractor (NPS 0-6) drops out right after answering; passives and promoters far less. */
  readonly detractorDropout: number;
}

/** Complaints after purchases; most resolved after a delay, some never. */
export interface ComplaintModel {
  /** Chance that a purchase leads to a complaint (doubled for unhappy customers); 0 switches them off. */
  readonly perPurchase: number;
  /** Share of complaints that get resolved. */
  readonly resolvedShare: number;
  /** Mean days from opening to resolution (longer for severe complaints). */
  readonly resolutionDays: number;
  /** Chance that a customer drops out when the complaint is never resolved; resolved ones far less. */
  readonly unresolvedDropout: number;
}

/** Cost to serve and marketing spend. */
export interface CostModel {
  /** A cost on every contact, per channel (phone and meetings cost far more than e-mail). */
  readonly contactCosts: boolean;
  /** MarketingSpendRecorded per campaign and month, in campaign streams, consistent with acquisitions. */
  readonly marketingSpend: boolean;
}

export interface LifecycleOptions {
  readonly customers: number;
  readonly seed: number;
  /** Observation window: acquisitions are spread over it; nothing happens at or after `to`. */
  readonly from: string;
  readonly to: string;
  readonly customerIdPrefix: string;
  readonly purchase: PurchaseModel;
  readonly spend: SpendModel;
  readonly contacts: ContactModel;
  readonly churn: ChurnModel;
  readonly referrals: ReferralModel;
  readonly consent: ConsentModel;
  readonly feedback: FeedbackModel;
  readonly complaints: ComplaintModel;
  readonly costs: CostModel;
  /** Restrict (or re-weight) countries by ISO code, e.g. {"US": 1} for a single-currency data set. */
  readonly countries?: Readonly<Record<string, number>>;
}

export type LifecycleOptionsInput = Partial<
  Omit<
    LifecycleOptions,
    | 'seed'
    | 'purchase'
    | 'spend'
    | 'contacts'
    | 'churn'
    | 'referrals'
    | 'consent'
    | 'feedback'
    | 'complaints'
    | 'costs'
  >
> & {
  readonly customers: number;
  readonly seed?: number | string;
  readonly purchase?: Partial<PurchaseModel>;
  readonly spend?: Partial<SpendModel>;
  readonly contacts?: Partial<ContactModel>;
  readonly churn?: Partial<ChurnModel>;
  readonly referrals?: Partial<ReferralModel>;
  readonly consent?: Partial<ConsentModel>;
  readonly feedback?: Partial<FeedbackModel>;
  readonly complaints?: Partial<ComplaintModel>;
  readonly costs?: Partial<CostModel>;
};

export const DEFAULT_LIFECYCLE_OPTIONS: Omit<LifecycleOptions, 'customers'> = {
  seed: 1,
  from: '2023-01-01T00:00:00Z',
  to: '2026-01-01T00:00:00Z',
  customerIdPrefix: 'c-',
  purchase: { r: 0.6, alpha: 60, a: 0.85, b: 3.2, firstPurchaseProbability: 0.8, firstPurchaseDelayDays: 3 },
  spend: { p: 6, q: 4, gamma: 30 },
  contacts: {
    marketingPerMonth: 0.25,
    supportProbability: 0.2,
    inboundSalesProbability: 0.1,
    winBackAttempts: 2,
    winBackProbability: 0.06,
  },
  churn: { inactivityDays: 365, voluntaryShare: 0.35, involuntaryShare: 0.1, delayDays: 30 },
  referrals: { share: 0.1, promoterShare: 0.08 },
  consent: { emailShare: 0.75, smsShare: 0.35, changesPerYear: 0.15, preferencesShare: 0.3 },
  feedback: { npsAfterPurchase: 0.15, csatAfterSupport: 0.35, commentShare: 0.3, detractorDropout: 0.3 },
  complaints: { perPurchase: 0.03, resolvedShare: 0.8, resolutionDays: 4, unresolvedDropout: 0.55 },
  costs: { contactCosts: true, marketingSpend: true },
};

/** Fills defaults and checks ranges; throws RangeError naming the bad option. */
export function resolveLifecycleOptions(input: LifecycleOptionsInput): LifecycleOptions {
  const d = DEFAULT_LIFECYCLE_OPTIONS;
  const options: LifecycleOptions = {
    customers: input.customers,
    seed: toSeed(input.seed ?? d.seed),
    from: input.from ?? d.from,
    to: input.to ?? d.to,
    customerIdPrefix: input.customerIdPrefix ?? d.customerIdPrefix,
    purchase: { ...d.purchase, ...input.purchase },
    spend: { ...d.spend, ...input.spend },
    contacts: { ...d.contacts, ...input.contacts },
    churn: { ...d.churn, ...input.churn },
    referrals: { ...d.referrals, ...input.referrals },
    consent: { ...d.consent, ...input.consent },
    feedback: { ...d.feedback, ...input.feedback },
    complaints: { ...d.complaints, ...input.complaints },
    costs: { ...d.costs, ...input.costs },
    ...(input.countries ? { countries: input.countries } : {}),
  };
  const { purchase, spend, contacts, churn, referrals, consent, feedback, complaints } = options;
  check('customers', Number.isSafeInteger(options.customers) && options.customers >= 1, 'a positive integer');
  const fromMs = Date.parse(options.from);
  const toMs = Date.parse(options.to);
  check('from', Number.isFinite(fromMs), 'an ISO 8601 date-time');
  check('to', Number.isFinite(toMs) && toMs > fromMs, 'an ISO 8601 date-time after from');
  check('customerIdPrefix', /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,40}$/.test(options.customerIdPrefix), 'id-safe');
  for (const [name, value] of [
    ['purchase.r', purchase.r],
    ['purchase.alpha', purchase.alpha],
    ['purchase.a', purchase.a],
    ['purchase.b', purchase.b],
    ['purchase.firstPurchaseDelayDays', purchase.firstPurchaseDelayDays],
    ['spend.p', spend.p],
    ['spend.gamma', spend.gamma],
    ['churn.inactivityDays', churn.inactivityDays],
    ['churn.delayDays', churn.delayDays],
    ['complaints.resolutionDays', complaints.resolutionDays],
  ] as const) {
    check(name, value > 0 && Number.isFinite(value), 'a positive number');
  }
  check('spend.q', spend.q > 1, 'greater than 1 (finite mean spend)');
  check('contacts.marketingPerMonth', contacts.marketingPerMonth >= 0, '>= 0');
  check(
    'consent.changesPerYear',
    consent.changesPerYear >= 0 && consent.changesPerYear <= 12,
    'a number in [0, 12]',
  );
  check(
    'contacts.winBackAttempts',
    Number.isInteger(contacts.winBackAttempts) &&
      contacts.winBackAttempts >= 0 &&
      contacts.winBackAttempts <= 20,
    'an integer in [0, 20]',
  );
  for (const [name, value] of [
    ['purchase.firstPurchaseProbability', purchase.firstPurchaseProbability],
    ['contacts.supportProbability', contacts.supportProbability],
    ['contacts.inboundSalesProbability', contacts.inboundSalesProbability],
    ['contacts.winBackProbability', contacts.winBackProbability],
    ['churn.voluntaryShare', churn.voluntaryShare],
    ['churn.involuntaryShare', churn.involuntaryShare],
    ['referrals.share', referrals.share],
    ['referrals.promoterShare', referrals.promoterShare],
    ['consent.emailShare', consent.emailShare],
    ['consent.smsShare', consent.smsShare],
    ['consent.preferencesShare', consent.preferencesShare],
    ['feedback.npsAfterPurchase', feedback.npsAfterPurchase],
    ['feedback.csatAfterSupport', feedback.csatAfterSupport],
    ['feedback.commentShare', feedback.commentShare],
    ['feedback.detractorDropout', feedback.detractorDropout],
    ['complaints.perPurchase', complaints.perPurchase],
    ['complaints.resolvedShare', complaints.resolvedShare],
    ['complaints.unresolvedDropout', complaints.unresolvedDropout],
  ] as const) {
    check(name, value >= 0 && value <= 1, 'a probability in [0, 1]');
  }
  check(
    'churn',
    churn.voluntaryShare + churn.involuntaryShare <= 1,
    'voluntaryShare + involuntaryShare <= 1',
  );
  return options;
}

function check(name: string, ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`generator option ${name} must be ${what}`);
}

/** How much of issue 13's facts to generate: factors on the default rates (0 switches a fact off). */
export interface FactsScale {
  /** NPS and CSAT answers. */
  readonly feedback?: number;
  readonly complaints?: number;
  /** Consent changes after sign-up (sign-up consents are always drawn: marketing needs them). */
  readonly consentChanges?: number;
  readonly preferences?: number;
  readonly contactCosts?: boolean;
  readonly marketingSpend?: boolean;
}

/** The option groups that give `scale` (probabilities capped at 1); `crm generate`'s fact options. */
export function scaledFacts(
  scale: FactsScale,
): Pick<LifecycleOptionsInput, 'feedback' | 'complaints' | 'consent' | 'costs'> {
  const d = DEFAULT_LIFECYCLE_OPTIONS;
  const times = (p: number, factor: number | undefined) => Math.min(1, p * (factor ?? 1));
  for (const [name, factor] of Object.entries(scale))
    if (typeof factor === 'number') check(name, factor >= 0 && Number.isFinite(factor), 'a factor >= 0');
  return {
    feedback: {
      npsAfterPurchase: times(d.feedback.npsAfterPurchase, scale.feedback),
      csatAfterSupport: times(d.feedback.csatAfterSupport, scale.feedback),
    },
    complaints: { perPurchase: times(d.complaints.perPurchase, scale.complaints) },
    consent: {
      changesPerYear: Math.min(12, d.consent.changesPerYear * (scale.consentChanges ?? 1)),
      preferencesShare: times(d.consent.preferencesShare, scale.preferences),
    },
    costs: {
      contactCosts: scale.contactCosts ?? d.costs.contactCosts,
      marketingSpend: scale.marketingSpend ?? d.costs.marketingSpend,
    },
  };
}
