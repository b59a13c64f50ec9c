import {
  ACQUISITION_CHANNELS,
  CHURN_REASONS,
  CONTACT_CHANNELS,
  CONTACT_PURPOSES,
  customerStreamId,
  decide,
  evolve,
  initialState,
  type CustomerCommand,
  type CustomerEvent,
  type CustomerState,
} from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';

/** mulberry32: tiny, seedable, good enough to make test histories reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedHistory {
  /** Every event in global order (positions 1..n), per-stream order preserved. */
  readonly events: RecordedEvent[];
  /** customerId -> its stream, in revision order. */
  readonly streams: Map<string, RecordedEvent[]>;
}

export interface HistoryOptions {
  readonly customers?: number;
  readonly seed?: number;
  readonly maxCommandsPerCustomer?: number;
  /** Share of events of a type this read model does not know (forward compatibility). */
  readonly unknownEventRate?: number;
}

/**
 * A deterministic multi-customer history that obeys the lifecycle rules: commands go through the domain's
 * decider (rejected ones are dropped), so churns, reactivations and referrals come out as production would
 * emit them. Times are sometimes backdated and spelled without milliseconds, to exercise min/max and
 * normalisation. Ids mix cases and lengths so id order differs from numeric order.
 */
export function generateCustomerHistory(options: HistoryOptions = {}): GeneratedHistory {
  const { customers = 40, seed = 42, maxCommandsPerCustomer = 24, unknownEventRate = 0.03 } = options;
  const rnd = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const ids = Array.from({ length: customers }, (_, i) => (i % 7 === 3 ? `C-${i}` : `c-${i}`));
  const streams = new Map<string, RecordedEvent[]>();
  let eventSeq = 0;
  const newEventId = () => `00000000-0000-4000-8000-${(++eventSeq).toString(16).padStart(12, '0')}`;

  ids.forEach((customerId, i) => {
    let state: CustomerState = initialState();
    let clock = Date.parse('2025-01-01T00:00:00Z') + i * 3_600_000;
    const stream: RecordedEvent[] = [];
    const record = (type: string, eventId: string, occurredAt: string, data: object) =>
      stream.push({
        streamId: customerStreamId(customerId),
        streamRevision: stream.length,
        globalPosition: 0n,
        eventId,
        type,
        occurredAt,
        recordedAt: '',
        data: data as Record<string, unknown>,
        metadata: { schemaVersion: 1, source: 'generator' },
      });
    const nextTime = () => {
      clock += Math.floor(rnd() * 20 * 86_400_000);
      const backdated = rnd() < 0.1 ? clock - Math.floor(rnd() * 40 * 86_400_000) : clock;
      const iso = new Date(backdated).toISOString();
      return rnd() < 0.3 ? iso.replace('.000Z', 'Z') : iso;
    };
    const run = (command: Omit<CustomerCommand, 'customerId' | 'eventId' | 'occurredAt'>) => {
      const full = {
        ...command,
        customerId,
        eventId: newEventId(),
        occurredAt: nextTime(),
      } as CustomerCommand;
      let events: CustomerEvent[];
      try {
        events = decide(full, state);
      } catch {
        return; // the decider said no (e.g. churning twice): production would answer 409, nothing recorded
      }
      for (const e of events) {
        record(e.type, e.eventId, e.occurredAt, e.data);
        state = evolve(state, e);
      }
    };

    const referredBy = i > 0 && rnd() < 0.25 ? ids[Math.floor(rnd() * i)] : undefined;
    run({
      type: 'AcquireCustomer',
      data: {
        channel: referredBy ? 'referral' : pick(ACQUISITION_CHANNELS),
        campaign: rnd() < 0.6 ? pick(['spring-25', 'summer-25', 'bf-25']) : undefined,
        referredBy,
        profile: {
          name: `Customer ${i}`,
          email: `customer${i}@example.test`,
          country: pick(['IT', 'DE', 'FR', 'US', 'ES']),
          city: rnd() < 0.8 ? pick(['Rome', 'Berlin', 'Paris', 'Austin', 'Madrid']) : undefined,
          birthYear: rnd() < 0.7 ? 1950 + Math.floor(rnd() * 55) : undefined,
          gender: pick(['f', 'm', 'x', 'unknown'] as const),
          incomeBand: rnd() < 0.5 ? pick(['<30k', '30-50k', '50-80k', '>80k']) : undefined,
        },
        attributes:
          rnd() < 0.5 ? { plan: pick(['gold', 'silver']), newsletter: rnd() < 0.5, score: 7 } : undefined,
      },
    });

    const commands = Math.floor(rnd() * maxCommandsPerCustomer);
    for (let n = 0; n < commands; n++) {
      if (rnd() < unknownEventRate) {
        record('CustomerNoteAdded', newEventId(), nextTime(), { note: 'from a newer publisher' });
        continue;
      }
      const roll = rnd();
      if (roll < 0.35) {
        run({
          type: 'RecordContact',
          data: {
            channel: pick(CONTACT_CHANNELS),
            direction: rnd() < 0.5 ? 'inbound' : 'outbound',
            purpose: pick(CONTACT_PURPOSES),
            outcome: 'done',
          },
        });
      } else if (roll < 0.75) {
        const currency = pick(['EUR', 'EUR', 'EUR', 'USD', 'GBP']);
        const minor = 100 + Math.floor(rnd() * 50_000);
        run({
          type: 'RecordPurchase',
          data: {
            orderId: `o-${i}-${n}`,
            amount: { minor, currency },
            channel: 'online',
            items: [{ sku: 'SKU-1', category: 'books', quantity: 1, unitPrice: { minor, currency } }],
          },
        });
      } else if (roll < 0.87) {
        run({ type: 'RecordReferral', data: { referredCustomerId: pick(ids), channel: 'link' } });
      } else {
        run({ type: 'RecordChurn', data: { reason: pick(CHURN_REASONS), voluntary: rnd() < 0.5 } });
      }
    }
    streams.set(customerId, stream);
  });

  // Interleave the streams into one global order, as the store's $all would.
  const cursors = new Map([...streams].map(([id, s]) => [id, { stream: s, next: 0 }]));
  const events: RecordedEvent[] = [];
  const start = Date.parse('2026-01-01T00:00:00Z');
  while (cursors.size > 0) {
    const id = pick([...cursors.keys()]);
    const c = cursors.get(id)!;
    const position = events.length + 1;
    const placed = {
      ...c.stream[c.next],
      globalPosition: BigInt(position),
      recordedAt: new Date(start + position * 1000).toISOString(),
    };
    c.stream[c.next] = placed;
    events.push(placed);
    if (++c.next === c.stream.length) cursors.delete(id);
  }
  return { events, streams };
}
