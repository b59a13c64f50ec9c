import {
  ACQUISITION_CHANNELS,
  CHURN_REASONS,
  COMPLAINT_CATEGORIES,
  COMPLAINT_RESOLUTIONS,
  COMPLAINT_SEVERITIES,
  CONSENT_PURPOSES,
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  CONTACT_FREQUENCIES,
  CONTACT_PURPOSES,
  FEEDBACK_CHANNELS,
  FEEDBACK_SCALES,
  GENDERS,
  MAX_MINOR_UNITS,
  PublishableEventType,
} from '@crm/domain';
import fc from 'fast-check';

/**
 * fast-check arbitraries for POST /v1/events, built from the event catalog (libs/domain) and the DTO rules
 * (apps/api/src/events/dto). An event refers to its customer by an index into the run's pool and gets its
 * eventId when the run materialises it, so ids never collide between runs (or shrink attempts).
 *
 * Every corruption breaks exactly one documented schema rule, so a request holding one must be answered
 * 400 with nothing appended.
 */

export interface EventSpec {
  readonly type: PublishableEventType;
  /** Index into the run's customer pool. */
  readonly customer: number;
  /** False: no eventId, the API generates one (such requests are never retried). */
  readonly withId: boolean;
  readonly occurredAt: string;
  readonly expectedRevision?: number;
  readonly metadata?: Record<string, string>;
  /** `data` with customer references as pool indexes (`{ $customer: k }`), resolved at materialisation. */
  readonly data: Record<string, unknown>;
  readonly corruption?: Corruption;
}

export type Corruption =
  | { readonly kind: 'delete'; readonly path: readonly string[] }
  | { readonly kind: 'set'; readonly path: readonly string[]; readonly value: unknown }
  | { readonly kind: 'not-an-object'; readonly value: unknown };

export interface RequestSpec {
  readonly events: readonly EventSpec[];
  /** Sent as a bare event (one event only) or as {"events": [...]}. */
  readonly bare: boolean;
  /** Batch-level corruption: a key beside `events`, or the same eventId twice. */
  readonly batchCorruption?: 'extra-key' | 'duplicate-id';
  /** Sent again after its step: as is, or with upper-case event ids (ids are case-insensitive UUIDs). */
  readonly retry: 'none' | 'same' | 'upper';
  /** Also sent a second time within the same step, concurrently with itself. */
  readonly twinInStep: boolean;
}

/** Requests of one step are sent concurrently; steps one after the other. */
export type Scenario = readonly (readonly RequestSpec[])[];

export const POOL_SIZE = 3;

const pick = <T>(items: readonly T[]) => fc.constantFrom(...items);
/** `arb` with probability `present` (percent), else undefined (the field is left out). */
const optional = <T>(arb: fc.Arbitrary<T>, present = 50) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 100 - present }, { arbitrary: arb, weight: present });
const compact = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Any text the API must store as given: full Unicode (well-formed, no NUL), up to `max` code points. */
const text = (max: number, min = 0) =>
  fc.string({
    unit: fc.oneof(
      fc.constantFrom('a', 'Z', ' ', '-', '\u00e9', '\u4e2d', '\ud83d\ude00', '\u200b', '\n', "'", '"', '\\'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\u0000'),
    ),
    minLength: min,
    maxLength: max,
  });

const customerRef = fc.nat({ max: POOL_SIZE - 1 }).map((k) => ({ $customer: k }));
const slug = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
const host = fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/);
const currency = pick(['EUR', 'USD', 'GBP', 'JPY', 'CHF']);
const money = (cur: string) =>
  fc.record({ minor: fc.integer({ min: 0, max: MAX_MINOR_UNITS }), currency: fc.constant(cur) });

/** ISO 8601 with a zone: Z or an offset, with or without seconds and fractions. */
const occurredAt = fc
  .record({
    ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2025, 11, 31) }),
    offsetMinutes: fc.constantFrom(0, 0, 60, 120, -300, 330, 845, -600),
    style: fc.constantFrom('millis', 'seconds', 'minutes', 'micros'),
    compactOffset: fc.boolean(),
  })
  .map(({ ms, offsetMinutes, style, compactOffset }) => {
    const local = new Date(ms + offsetMinutes * 60_000).toISOString();
    const base =
      style === 'minutes'
        ? local.slice(0, 16)
        : style === 'seconds'
          ? local.slice(0, 19)
          : style === 'micros'
            ? `${local.slice(0, 23)}417`
            : local.slice(0, 23);
    if (offsetMinutes === 0 && !compactOffset) return `${base}Z`;
    const sign = offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(offsetMinutes);
    const hh = String(Math.floor(abs / 60)).padStart(2, '0');
    const mm = String(abs % 60).padStart(2, '0');
    return `${base}${sign}${hh}${compactOffset ? '' : ':'}${mm}`;
  });

const profile = fc
  .record({
    name: optional(text(200)),
    email: optional(fc.tuple(slug, host).map(([user, domain]) => `${user}@${domain}.example.com`)),
    phone: optional(fc.stringMatching(/^\+?[0-9][0-9 ()-]{4,20}$/)),
    country: optional(pick(['IT', 'FR', 'DE', 'US', 'GB', 'JP', 'BR'])),
    city: optional(text(200)),
    birthYear: optional(fc.integer({ min: 1900, max: 2100 })),
    gender: optional(pick(GENDERS)),
    incomeBand: optional(text(32)),
  })
  .map(compact);

const attributes = fc.dictionary(
  slug,
  fc.oneof(text(50), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.integer()),
  { maxKeys: 6 },
);

const consentScope = fc.record({ channel: pick(CONTACT_CHANNELS), purpose: pick(CONSENT_PURPOSES) });
/** A consent granted or withdrawn: the same data either way. */
const consentChange = fc
  .record({
    channel: pick(CONTACT_CHANNELS),
    purpose: pick(CONSENT_PURPOSES),
    source: optional(text(128, 1)),
  })
  .map(compact);
/** A few complaint ids per run, so that complaints are sometimes opened or resolved twice (lifecycle rules). */
const complaintId = pick(['cmp-1', 'cmp-2', 'cmp-3']);
/** A few order ids per run, so that the same order is sometimes recorded twice (a lifecycle rule). */
const orderId = pick(['o-1', 'o-2', 'o-3', 'o-4']);
/** An amount in any of the run's currencies (a contact's cost, a complaint's compensation). */
const anyMoney = currency.chain(money);

const dataOf: { [K in PublishableEventType]: fc.Arbitrary<Record<string, unknown>> } = {
  CustomerAcquired: fc
    .record({
      channel: pick(ACQUISITION_CHANNELS),
      campaign: optional(text(200)),
      referredBy: optional(customerRef, 15),
      profile: optional(profile, 90),
      attributes: optional(attributes),
      consents: optional(fc.array(consentScope, { maxLength: 4 }), 40),
    })
    .map(compact),
  CustomerContacted: fc
    .record({
      channel: pick(CONTACT_CHANNELS),
      direction: pick(CONTACT_DIRECTIONS),
      purpose: pick(CONTACT_PURPOSES),
      campaign: optional(text(200)),
      agentId: optional(text(128)),
      outcome: optional(text(64)),
      cost: optional(anyMoney, 20),
    })
    .map(compact),
  CustomerPurchased: currency.chain((cur) =>
    fc
      .record({
        orderId,
        amount: money(cur),
        channel: optional(text(64)),
        items: optional(
          fc.array(
            fc.record({
              sku: text(128, 1),
              category: text(128, 1),
              quantity: fc.integer({ min: 1, max: 100_000 }),
              unitPrice: money(cur),
            }),
            { maxLength: 3 },
          ),
        ),
      })
      .map(compact),
  ),
  CustomerReferred: fc
    .oneof(
      fc.record({ referredCustomerId: customerRef }),
      fc.record({ referralCode: text(128, 1) }),
      fc.record({ referredCustomerId: customerRef, referralCode: text(128, 1) }),
    )
    .chain((who) => optional(text(64)).map((channel) => compact({ ...who, channel }))),
  CustomerChurned: fc.record({ reason: pick(CHURN_REASONS), voluntary: fc.boolean() }),
  CustomerFeedbackGiven: pick(['nps', 'csat'] as const).chain((metric) =>
    fc
      .record({
        metric: fc.constant(metric),
        score: fc.integer(FEEDBACK_SCALES[metric]),
        channel: pick(FEEDBACK_CHANNELS),
        surveyId: text(128, 1),
        orderId: optional(orderId, 30),
        contactEventId: optional(fc.uuid(), 20),
        comment: optional(text(2000), 40),
      })
      .map(compact),
  ),
  CustomerComplaintOpened: fc
    .record({
      complaintId,
      category: pick(COMPLAINT_CATEGORIES),
      severity: pick(COMPLAINT_SEVERITIES),
      channel: pick(CONTACT_CHANNELS),
      orderId: optional(orderId, 50),
    })
    .map(compact),
  CustomerComplaintResolved: fc
    .record({
      complaintId,
      resolution: pick(COMPLAINT_RESOLUTIONS),
      compensation: optional(anyMoney, 40),
      accepted: fc.boolean(),
    })
    .map(compact),
  CustomerConsentGranted: consentChange,
  CustomerConsentWithdrawn: consentChange,
  CustomerPreferencesSet: fc
    .record({
      preferredChannel: optional(pick(CONTACT_CHANNELS)),
      language: optional(pick(['en', 'it', 'pt-BR', 'zh-Hant-TW', 'de-CH'])),
      contactFrequency: optional(pick(CONTACT_FREQUENCIES)),
      categories: optional(fc.array(text(128, 1), { maxLength: 5 })),
    })
    .map(compact),
};

/** One corruption per type that the DTOs must refuse, on top of the ones every event can get. */
const corruptionsOf: { [K in PublishableEventType]: fc.Arbitrary<Corruption> } = {
  CustomerAcquired: fc.oneof(
    fc.constant<Corruption>({ kind: 'delete', path: ['data', 'channel'] }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'channel'], value: 'carrier-pigeon' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'profile', 'email'], value: 'not-an-email' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'profile', 'phone'], value: '12' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'profile', 'country'], value: 'ITA' }),
    fc.constantFrom(1899, 2101, 1988.5, '1988').map<Corruption>((value) => ({
      kind: 'set',
      path: ['data', 'profile', 'birthYear'],
      value,
    })),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'profile', 'name'], value: 'x'.repeat(201) }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'referredBy'], value: 'not valid!' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'attributes'], value: { nested: { a: 1 } } }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'profile', 'shoeSize'], value: 44 }),
  ),
  CustomerContacted: fc.oneof(
    fc.constantFrom('channel', 'direction', 'purpose').map<Corruption>((f) => ({
      kind: 'delete',
      path: ['data', f],
    })),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'purpose'], value: 'gossip' }),
    fc
      .constantFrom(
        { minor: -5, currency: 'EUR' },
        { minor: 1, currency: 'ECU' },
        { minor: 1.5, currency: 'EUR' },
      )
      .map<Corruption>((value) => ({ kind: 'set', path: ['data', 'cost'], value })),
  ),
  CustomerPurchased: fc.oneof(
    fc.constantFrom('orderId', 'amount').map<Corruption>((f) => ({ kind: 'delete', path: ['data', f] })),
    fc
      .constantFrom(-1, 1.5, MAX_MINOR_UNITS + 1, '100', null)
      .map<Corruption>((value) => ({ kind: 'set', path: ['data', 'amount', 'minor'], value })),
    fc
      .constantFrom('EURO', 'eur', 'XXX', 7)
      .map<Corruption>((value) => ({ kind: 'set', path: ['data', 'amount', 'currency'], value })),
    // A line item in another currency than the order.
    fc.constant<Corruption>({
      kind: 'set',
      path: ['data', 'items'],
      value: [{ sku: 'S', category: 'c', quantity: 1, unitPrice: { minor: 1, currency: 'SEK' } }],
    }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'items'], value: [{ sku: 'S' }] }),
  ),
  CustomerReferred: fc.oneof(
    fc.constant<Corruption>({ kind: 'set', path: ['data'], value: { channel: 'link' } }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'referredCustomerId'], value: '' }),
  ),
  CustomerChurned: fc.oneof(
    fc.constant<Corruption>({ kind: 'delete', path: ['data', 'voluntary'] }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'voluntary'], value: 'yes' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'reason'], value: 'bored' }),
  ),
  CustomerFeedbackGiven: fc.oneof(
    // Off the scale of either metric (the arbitrary picks it), or not an integer.
    fc.constantFrom(-1, 11, 7.5, '9', null).map<Corruption>((value) => ({
      kind: 'set',
      path: ['data', 'score'],
      value,
    })),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'metric'], value: 'ces' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'channel'], value: 'carrier-pigeon' }),
    fc
      .constantFrom('surveyId', 'score', 'metric')
      .map<Corruption>((f) => ({ kind: 'delete', path: ['data', f] })),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'comment'], value: 'x'.repeat(2001) }),
  ),
  CustomerComplaintOpened: fc.oneof(
    fc.constantFrom('complaintId', 'category', 'severity', 'channel').map<Corruption>((f) => ({
      kind: 'delete',
      path: ['data', f],
    })),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'severity'], value: 'apocalyptic' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'complaintId'], value: '' }),
  ),
  CustomerComplaintResolved: fc.oneof(
    fc.constantFrom('complaintId', 'resolution', 'accepted').map<Corruption>((f) => ({
      kind: 'delete',
      path: ['data', f],
    })),
    fc
      .constantFrom({ minor: -1, currency: 'EUR' }, { minor: 100, currency: 'eur' }, { minor: 100 })
      .map<Corruption>((value) => ({ kind: 'set', path: ['data', 'compensation'], value })),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'accepted'], value: 'yes' }),
  ),
  CustomerConsentGranted: fc.oneof(
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'purpose'], value: 'spam' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'channel'], value: 'telepathy' }),
    fc.constant<Corruption>({ kind: 'delete', path: ['data', 'purpose'] }),
  ),
  CustomerConsentWithdrawn: fc.oneof(
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'purpose'], value: 'spam' }),
    fc.constant<Corruption>({ kind: 'delete', path: ['data', 'channel'] }),
  ),
  CustomerPreferencesSet: fc.oneof(
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'language'], value: 'english please' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'contactFrequency'], value: 'hourly' }),
    fc.constant<Corruption>({ kind: 'set', path: ['data', 'categories'], value: [''] }),
  ),
};

/** Text the API must refuse anywhere: a NUL (PostgreSQL cannot store it) or a lone surrogate (not Unicode). */
const badText = fc.constantFrom('Ada\u0000Rossi', '\u0000', 'x\ud800', '\udfff', 'a\ud83d');

const commonCorruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.constantFrom('type', 'customerId', 'occurredAt', 'data').map<Corruption>((f) => ({
    kind: 'delete',
    path: [f],
  })),
  fc
    .constantFrom(
      'CustomerReactivated',
      'CustomerPersonalDataErased',
      'CustomerDeleted',
      'customeracquired',
      '',
      42,
    )
    .map<Corruption>((value) => ({ kind: 'set', path: ['type'], value })),
  fc
    .constantFrom('', ' c-1', 'c 1', 'c/1', '-c', 'x'.repeat(129), '\u00e4rger', 17)
    .map<Corruption>((value) => ({ kind: 'set', path: ['customerId'], value })),
  fc
    .constantFrom(
      '2026-01-01',
      '2024-01-01T10:00:00',
      '2023-02-30T10:00:00Z',
      '2024-13-01T00:00:00Z',
      '01/02/2024 10:00',
      new Date(Date.now() + 3 * 86_400_000).toISOString(),
      1_700_000_000_000,
    )
    .map<Corruption>((value) => ({ kind: 'set', path: ['occurredAt'], value })),
  fc
    .constantFrom('not-a-uuid', '123', 5, '6ba7b810-9dad-11d1-80b4')
    .map<Corruption>((value) => ({ kind: 'set', path: ['eventId'], value })),
  fc
    .constantFrom(-2, 1.5, '3')
    .map<Corruption>((value) => ({ kind: 'set', path: ['expectedRevision'], value })),
  fc
    .tuple(fc.constantFrom(['unexpected'], ['data', 'unexpected'], ['metadata', 'unexpected']), text(10))
    .map<Corruption>(([path, value]) => ({ kind: 'set', path, value })),
  fc.constant<Corruption>({ kind: 'set', path: ['data', 'constructor'], value: { polluted: true } }),
  fc.constant<Corruption>({ kind: 'set', path: ['metadata', 'source'], value: 'x'.repeat(129) }),
  fc.constant<Corruption>({ kind: 'set', path: ['data'], value: 'not an object' }),
  fc.constantFrom(null, 7, 'event', [], [1]).map<Corruption>((value) => ({ kind: 'not-an-object', value })),
);

const textFieldOf: { [K in PublishableEventType]: readonly string[][] } = {
  CustomerAcquired: [
    ['data', 'campaign'],
    ['data', 'profile', 'name'],
    ['data', 'profile', 'city'],
  ],
  CustomerContacted: [
    ['data', 'outcome'],
    ['data', 'campaign'],
  ],
  CustomerPurchased: [
    ['data', 'orderId'],
    ['data', 'channel'],
  ],
  CustomerReferred: [['data', 'referralCode']],
  CustomerChurned: [['metadata', 'correlationId']],
  CustomerFeedbackGiven: [
    ['data', 'comment'],
    ['data', 'surveyId'],
  ],
  CustomerComplaintOpened: [['data', 'complaintId']],
  CustomerComplaintResolved: [['data', 'complaintId']],
  CustomerConsentGranted: [['data', 'source']],
  CustomerConsentWithdrawn: [['data', 'source']],
  CustomerPreferencesSet: [['metadata', 'source']],
};

const corruptionFor = (type: PublishableEventType): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { arbitrary: commonCorruption, weight: 3 },
    { arbitrary: corruptionsOf[type], weight: 3 },
    {
      arbitrary: fc
        .tuple(pick(textFieldOf[type]), badText)
        .map<Corruption>(([path, value]) => ({ kind: 'set', path, value })),
      weight: 1,
    },
  );

const TYPE_WEIGHTS: [PublishableEventType, number][] = [
  ['CustomerAcquired', 2],
  ['CustomerPurchased', 5],
  ['CustomerContacted', 4],
  ['CustomerReferred', 1],
  ['CustomerChurned', 1],
  ['CustomerFeedbackGiven', 1],
  ['CustomerComplaintOpened', 1],
  ['CustomerComplaintResolved', 1],
  ['CustomerConsentGranted', 1],
  ['CustomerConsentWithdrawn', 1],
  ['CustomerPreferencesSet', 1],
];

export const eventSpec = (corruptRate: number): fc.Arbitrary<EventSpec> =>
  fc
    .oneof(...TYPE_WEIGHTS.map(([type, weight]) => ({ arbitrary: fc.constant(type), weight })))
    .chain((type) =>
      fc
        .record({
          type: fc.constant(type),
          customer: fc.nat({ max: POOL_SIZE - 1 }),
          withId: fc.oneof(
            { arbitrary: fc.constant(true), weight: 9 },
            { arbitrary: fc.constant(false), weight: 1 },
          ),
          occurredAt,
          expectedRevision: optional(fc.integer({ min: -1, max: 4 }), 12),
          metadata: optional(
            fc.record({ source: text(128), correlationId: text(128) }, { requiredKeys: [] }),
            30,
          ),
          data: dataOf[type],
          corruption: fc.oneof(
            { arbitrary: fc.constant(undefined), weight: Math.round((1 - corruptRate) * 100) },
            { arbitrary: corruptionFor(type), weight: Math.round(corruptRate * 100) },
          ),
        })
        .map((spec) => compact(spec) as unknown as EventSpec),
    );

export const requestSpec: fc.Arbitrary<RequestSpec> = fc
  .record({
    events: fc.array(eventSpec(0.1), { minLength: 1, maxLength: 4 }),
    bare: fc.boolean(),
    batchCorruption: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 30 },
      { arbitrary: fc.constantFrom('extra-key' as const, 'duplicate-id' as const), weight: 1 },
    ),
    retry: fc.constantFrom('none' as const, 'none' as const, 'same' as const, 'upper' as const),
    twinInStep: fc.oneof(
      { arbitrary: fc.constant(false), weight: 4 },
      { arbitrary: fc.constant(true), weight: 1 },
    ),
  })
  .map((r) => {
    const bare = r.bare && r.events.length === 1 && r.batchCorruption === undefined;
    // A retry needs stable ids: requests with a generated id are sent once.
    const stable = r.events.every((e) => e.withId);
    const batchCorruption =
      r.batchCorruption === 'duplicate-id' && (r.events.length < 2 || !stable)
        ? undefined
        : r.batchCorruption;
    return compact({
      ...r,
      bare,
      batchCorruption,
      retry: stable ? r.retry : 'none',
      twinInStep: stable && r.twinInStep,
    }) as unknown as RequestSpec;
  });

/** Usually a first request acquiring the whole pool, so that later events mostly find their customer. */
const acquireAll: fc.Arbitrary<readonly RequestSpec[]> = fc
  .tuple(
    ...Array.from({ length: POOL_SIZE }, (_, customer) =>
      fc.record({
        type: fc.constant('CustomerAcquired' as const),
        customer: fc.constant(customer),
        withId: fc.constant(true),
        occurredAt,
        data: dataOf.CustomerAcquired,
      }),
    ),
  )
  .map((events) => [{ events, bare: false, retry: 'none' as const, twinInStep: false }]);

export const scenario: fc.Arbitrary<Scenario> = fc
  .tuple(
    fc.oneof({ arbitrary: acquireAll, weight: 4 }, { arbitrary: fc.constant([]), weight: 1 }),
    fc.array(fc.array(requestSpec, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 6 }),
  )
  .map(([prelude, steps]) => (prelude.length > 0 ? [prelude, ...steps] : steps));

/** A request as sent: the body, and the event ids it carries (undefined where the API generates one). */
export interface Materialised {
  readonly body: unknown;
  readonly eventIds: readonly (string | undefined)[];
  /** Some rule is broken on purpose: the answer must be 400 and nothing appended. */
  readonly invalid: boolean;
}

const resolveRefs = (value: unknown, customers: readonly string[]): unknown => {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, customers));
  if (typeof value !== 'object' || value === null) return value;
  if ('$customer' in value) return customers[(value as { $customer: number }).$customer];
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, customers)]));
};

function corrupt(event: Record<string, unknown>, corruption: Corruption): unknown {
  if (corruption.kind === 'not-an-object') return corruption.value;
  const copy = structuredClone(event);
  let node: Record<string, unknown> = copy;
  for (const key of corruption.path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = corruption.path[corruption.path.length - 1];
  if (corruption.kind === 'delete') delete node[last];
  // defineProperty: an own key even for "constructor", as JSON.parse would make it.
  else Object.defineProperty(node, last, { value: corruption.value, enumerable: true, writable: true });
  return copy;
}

/** Turns a request spec into the body sent, giving each event a fresh id from `newId`. */
export function materialise(
  request: RequestSpec,
  customers: readonly string[],
  newId: () => string,
): Materialised {
  const eventIds = request.events.map((e) => (e.withId ? newId() : undefined));
  if (request.batchCorruption === 'duplicate-id') eventIds[1] = eventIds[0];
  const events = request.events.map((spec, i) => {
    const event = compact({
      eventId: eventIds[i],
      type: spec.type,
      customerId: customers[spec.customer],
      occurredAt: spec.occurredAt,
      expectedRevision: spec.expectedRevision,
      metadata: spec.metadata,
      data: resolveRefs(spec.data, customers),
    });
    return spec.corruption ? corrupt(event, spec.corruption) : event;
  });
  const invalid = request.batchCorruption !== undefined || request.events.some((e) => e.corruption);
  const body = request.bare
    ? events[0]
    : request.batchCorruption === 'extra-key'
      ? { events, dryRun: true }
      : { events };
  return { body, eventIds, invalid };
}

/** The same request with upper-case event ids (a client that formats UUIDs differently). */
export function withUpperCaseIds(body: unknown): unknown {
  const upper = (e: unknown) =>
    typeof e === 'object' && e !== null && typeof (e as { eventId?: unknown }).eventId === 'string'
      ? { ...e, eventId: (e as { eventId: string }).eventId.toUpperCase() }
      : e;
  if (typeof body === 'object' && body !== null && Array.isArray((body as { events?: unknown }).events))
    return { ...body, events: (body as { events: unknown[] }).events.map(upper) };
  return upper(body);
}
