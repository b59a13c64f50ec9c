/**
 * Messages for the Kafka ingest channel with their expected fates: valid customer histories, invalid
 * messages of every kind (malformed JSON, schema errors, lifecycle rules, a key that is not the customer),
 * and producer retries (the same event again). Deterministic for a seed.
 */
export interface IngestCase {
  readonly key: string;
  readonly value: string;
  /** Rejected: the code the rejection must carry. Otherwise the message is appended (or a replay). */
  readonly rejectedWith?: string;
}

export interface IngestDataset {
  readonly cases: readonly IngestCase[];
  /** Every customer's stream as it must end: the valid events' ids, in publish order. */
  readonly streams: ReadonlyMap<string, readonly string[]>;
  readonly invalid: number;
  readonly duplicates: number;
}

const INVALID_KINDS = [
  'malformed-json',
  'missing-event-id',
  'wrong-enum',
  'wrong-scale',
  'purchase-before-acquisition',
  'duplicate-order',
  'second-acquisition',
  'key-of-another-customer',
] as const;
type InvalidKind = (typeof INVALID_KINDS)[number];

const CODE_OF: Record<InvalidKind, string> = {
  'malformed-json': 'MALFORMED_JSON',
  'missing-event-id': 'VALIDATION_FAILED',
  'wrong-enum': 'VALIDATION_FAILED',
  'wrong-scale': 'VALIDATION_FAILED',
  'purchase-before-acquisition': 'CUSTOMER_NOT_ACQUIRED',
  'duplicate-order': 'DUPLICATE_ORDER',
  'second-acquisition': 'CUSTOMER_ALREADY_ACQUIRED',
  'key-of-another-customer': 'KEY_MISMATCH',
};

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function ingestDataset(options: {
  customers: number;
  messagesPerCustomer: number;
  invalidShare: number;
  duplicates: number;
  seed: number;
  prefix: string;
}): IngestDataset {
  const rand = random(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  let serial = 0;
  const eventId = () => {
    serial += 1;
    const hex = (serial + options.seed * 1_000_000).toString(16).padStart(12, '0').slice(-12);
    return `00000000-0000-4000-8000-${hex}`;
  };
  const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString();
  const customerIds = Array.from({ length: options.customers }, (_, i) => `${options.prefix}-${i}`);
  const total = options.customers * options.messagesPerCustomer;
  const invalidCount = Math.round(total * options.invalidShare);

  // Which customers get which invalid messages: spread at random, at most a few per customer.
  const invalidByCustomer = new Map<string, InvalidKind[]>();
  for (let i = 0; i < invalidCount; i++) {
    const customerId = pick(customerIds);
    const list = invalidByCustomer.get(customerId) ?? [];
    if (list.length >= options.messagesPerCustomer - 3) {
      i -= 1;
      continue;
    }
    list.push(INVALID_KINDS[i % INVALID_KINDS.length]);
    invalidByCustomer.set(customerId, list);
  }

  const queues = new Map<string, IngestCase[]>();
  const streams = new Map<string, string[]>();
  for (const customerId of customerIds) {
    const invalid = invalidByCustomer.get(customerId) ?? [];
    const validCount = options.messagesPerCustomer - invalid.length;
    const acquired = {
      eventId: eventId(),
      type: 'CustomerAcquired',
      customerId,
      occurredAt: day(1),
      data: { channel: 'organic', profile: { name: `Customer ${customerId}`, country: 'IT' } },
    };
    const purchase = (n: number, overrides: Record<string, unknown> = {}) => ({
      eventId: eventId(),
      type: 'CustomerPurchased',
      customerId,
      occurredAt: day(2 + n),
      data: {
        orderId: `${customerId}-o${n}`,
        amount: { minor: 1000 + n, currency: 'EUR' },
        channel: 'online',
      },
      ...overrides,
    });
    const valid = [acquired, ...Array.from({ length: validCount - 1 }, (_, n) => purchase(n))];
    streams.set(
      customerId,
      valid.map((e) => e.eventId),
    );
    const queue: IngestCase[] = valid.map((e) => ({ key: customerId, value: JSON.stringify(e) }));
    for (const kind of invalid) {
      const rejectedWith = CODE_OF[kind];
      const bad = (value: unknown, key = customerId): IngestCase => ({
        key,
        value: typeof value === 'string' ? value : JSON.stringify(value),
        rejectedWith,
      });
      // Faults after the customer's first order (order 0, which duplicate-order repeats), anywhere up to the end.
      const firstOrder = queue.findIndex((c) => c.value === JSON.stringify(valid[1]));
      const at = firstOrder + 1 + Math.floor(rand() * (queue.length - firstOrder));
      switch (kind) {
        case 'purchase-before-acquisition':
          queue.unshift(bad({ ...purchase(900), occurredAt: day(0) }));
          break;
        case 'malformed-json':
          queue.splice(
            at,
            0,
            bad(`{"eventId":"${eventId()}","type":"CustomerPurchased","customerId":"${customerId}"`),
          );
          break;
        case 'missing-event-id': {
          const { eventId: _id, ...rest } = purchase(901);
          queue.splice(at, 0, bad(rest));
          break;
        }
        case 'wrong-enum':
          queue.splice(at, 0, bad({ ...acquired, eventId: eventId(), data: { channel: 'carrier-pigeon' } }));
          break;
        case 'wrong-scale':
          queue.splice(
            at,
            0,
            bad(purchase(903, { data: { ...purchase(903).data, amount: { minor: 10.5, currency: 'EUR' } } })),
          );
          break;
        case 'duplicate-order':
          // A new event for an order already recorded (order 0 comes right after the acquisition).
          queue.splice(at, 0, bad(purchase(0)));
          break;
        case 'second-acquisition':
          queue.splice(at, 0, bad({ ...acquired, eventId: eventId(), occurredAt: day(1) }));
          break;
        case 'key-of-another-customer':
          queue.splice(at, 0, bad(purchase(904), pick(customerIds.filter((c) => c !== customerId))));
          break;
      }
    }
    queues.set(customerId, queue);
  }

  // Producer retries: a valid message sent again later in its customer's order.
  for (let i = 0; i < options.duplicates; i++) {
    const queue = queues.get(pick(customerIds))!;
    const validAt = queue.map((c, at) => (c.rejectedWith ? -1 : at)).filter((at) => at >= 0);
    const from = pick(validAt);
    const to = from + 1 + Math.floor(rand() * (queue.length - from));
    queue.splice(to, 0, { ...queue[from] });
  }

  // Customers interleaved at random, each customer's messages in order.
  const cases: IngestCase[] = [];
  const open = customerIds.filter((c) => queues.get(c)!.length > 0);
  while (open.length > 0) {
    const at = Math.floor(rand() * open.length);
    const queue = queues.get(open[at])!;
    cases.push(queue.shift()!);
    if (queue.length === 0) open.splice(at, 1);
  }
  return { cases, streams, invalid: invalidCount, duplicates: options.duplicates };
}
