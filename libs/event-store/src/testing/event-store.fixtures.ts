import { randomUUID } from 'node:crypto';
import type { AllSubscription, EventToAppend, RecordedEvent } from '../event-store.port';

/** Unique per call: a real EventStoreDB is shared between runs, so every test uses fresh stream ids. */
export function uniqueId(label: string): string {
  return `${label}-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

let sequence = 0;

export function anEvent(overrides: Partial<EventToAppend> = {}): EventToAppend {
  sequence += 1;
  return {
    eventId: randomUUID(),
    type: 'ContractTested',
    occurredAt: '2024-03-01T08:30:00.000Z',
    data: { n: sequence, nested: { list: [1, 'two', { three: 3 }], text: 'café ✓' }, flag: true, none: null },
    metadata: {
      schemaVersion: 1,
      source: 'contract-suite',
      correlationId: `corr-${sequence}`,
      causationId: `cause-${sequence}`,
      custom: 'kept',
    },
    ...overrides,
  };
}

export function someEvents(count: number, overrides: Partial<EventToAppend> = {}): EventToAppend[] {
  return Array.from({ length: count }, () => anEvent(overrides));
}

export function ids(events: readonly { eventId: string }[]): string[] {
  return events.map((event) => event.eventId);
}

export function positions(events: readonly { globalPosition: bigint }[]): bigint[] {
  return events.map((event) => event.globalPosition);
}

export function expectStrictlyIncreasing(values: readonly bigint[]): void {
  for (let i = 1; i < values.length; i++) {
    if (!(values[i] > values[i - 1])) {
      throw new Error(`Not strictly increasing at index ${i}: ${values[i - 1]} then ${values[i]}`);
    }
  }
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with the promise's value, or rejects once `ms` have passed (bounded waits, never sleeps-as-assertions). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps one iterator over a subscription and takes events from it with bounded waits. */
export class SubscriptionReader {
  private readonly iterator: AsyncIterator<RecordedEvent>;

  constructor(readonly subscription: AllSubscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  next(timeoutMs = 5_000): Promise<IteratorResult<RecordedEvent>> {
    return within(this.iterator.next(), timeoutMs, 'the next subscription event');
  }

  /** Exactly `count` events, or an error naming what did arrive. */
  async take(count: number, timeoutMs = 5_000): Promise<RecordedEvent[]> {
    const taken: RecordedEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    while (taken.length < count) {
      const remaining = deadline - Date.now();
      let result: IteratorResult<RecordedEvent>;
      try {
        result = await within(
          this.iterator.next(),
          Math.max(remaining, 1),
          `event ${taken.length + 1} of ${count}`,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}; got ${taken.length}: ${ids(taken).join(', ')}`);
      }
      if (result.done) throw new Error(`Subscription ended after ${taken.length} of ${count} events`);
      taken.push(result.value);
    }
    return taken;
  }
}
