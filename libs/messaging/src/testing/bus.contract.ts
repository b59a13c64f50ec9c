import { randomUUID } from 'node:crypto';
import { Bus, BusConsumer, BusMessage, ConsumeOptions, PoisonMessageError } from '../bus.port';

/** A dead letter as the contract checks it, whatever the adapter's storage. */
export interface ContractDeadLetter {
  readonly key: string;
  readonly value: string;
  readonly reason: string;
  readonly group: string;
  readonly originalPartition: number;
  readonly originalOffset: string;
}

export interface BusUnderTest {
  /** A bus on a topic of its own (no state shared with other tests), with 4 partitions. */
  readonly bus: Bus;
  /** Dead letters as the adapter stores them, oldest first. */
  deadLetters(): Promise<ContractDeadLetter[]>;
  dispose(): Promise<void>;
}

const record = (key: string, n: number) => ({ key, value: JSON.stringify({ key, n }) });
const parse = (m: BusMessage) => JSON.parse(m.value.toString('utf8')) as { key: string; n: number };
const ns = (messages: readonly BusMessage[]) => messages.map((m) => parse(m).n);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bounded wait: fails the test with what it was waiting for. */
async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

const totals = async (consumer: BusConsumer) => {
  const lag = await consumer.lag();
  return {
    lag: lag.reduce((sum, p) => sum + p.lag, 0),
    end: lag.reduce((sum, p) => sum + BigInt(p.end), 0n),
    committed: lag.reduce((sum, p) => sum + BigInt(p.committed), 0n),
  };
};

/**
 * The bus contract every adapter passes. The in-process bus resolves `publish` once every running group
 * handled the records, Kafka once the broker acknowledged them; the cases hold for both.
 */
export function describeBusContract(
  name: string,
  factory: () => Promise<BusUnderTest>,
  timeoutMs = 60_000,
): void {
  describe(`bus contract: ${name}`, () => {
    let subject: BusUnderTest;
    const consumers: BusConsumer[] = [];
    const group = (label: string) => `contract-${label}-${randomUUID().slice(0, 8)}`;

    beforeEach(async () => {
      subject = await factory();
    }, timeoutMs);

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
      await subject.dispose();
    }, timeoutMs);

    const consume = async (
      g: string,
      handler: (messages: readonly BusMessage[]) => Promise<void>,
      options: Partial<ConsumeOptions> = {},
    ) => {
      const consumer = await subject.bus.consume({ group: g, handler, retryBackoffMs: 20, ...options });
      consumers.push(consumer);
      return consumer;
    };
    const stop = async (consumer: BusConsumer) => {
      await consumer.stop();
      consumers.splice(consumers.indexOf(consumer), 1);
    };

    it(
      'delivers every record once acknowledged, in publish order per key, across partitions',
      async () => {
        const seen = new Map<string, number[]>();
        const partitionsOfKey = new Map<string, Set<number>>();
        const consumer = await consume(group('order'), async (messages) => {
          expect(new Set(messages.map((m) => m.partition)).size).toBe(1); // a batch is one partition
          for (const m of messages) {
            const { key, n } = parse(m);
            expect(m.key).toBe(key);
            seen.set(key, [...(seen.get(key) ?? []), n]);
            partitionsOfKey.set(key, (partitionsOfKey.get(key) ?? new Set()).add(m.partition));
          }
        });
        const keys = Array.from({ length: 40 }, (_, i) => `customer-${i}`);
        for (let n = 0; n < 25; n++) await subject.bus.publish(keys.map((k) => record(k, n)));
        await until(() => [...seen.values()].reduce((sum, l) => sum + l.length, 0) >= 1000, '1000 records');
        for (const key of keys) expect(seen.get(key)).toEqual(range(0, 24));
        // one partition per key, and the keys spread over several partitions
        for (const key of keys) expect(partitionsOfKey.get(key)?.size).toBe(1);
        expect(new Set([...partitionsOfKey.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
        await until(async () => (await totals(consumer)).lag === 0, 'lag 0 after handling everything');
        expect((await totals(consumer)).end).toBeGreaterThanOrEqual(1000n);
      },
      timeoutMs,
    );

    it(
      'resolves publish once the records are accepted: they are in the log when it returns',
      async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const handled: number[] = [];
        const consumer = await consume(group('accepted'), async (messages) => {
          await gate;
          handled.push(...ns(messages));
        });
        const before = await totals(consumer);
        // The in-process bus holds publish until running groups handled the records: release the handler
        // only once publish is underway.
        const publishing = subject.bus.publish(range(1, 20).map((n) => record(`k${n % 3}`, n)));
        await sleep(50);
        release();
        await publishing;
        const after = await totals(consumer);
        expect(after.end - before.end).toBe(20n);
        await until(() => handled.length >= 20, 'the 20 records');
        expect([...handled].sort((a, b) => a - b)).toEqual(range(1, 20));
        await expect(subject.bus.publish([{ key: '', value: 'x' }])).rejects.toThrow();
      },
      timeoutMs,
    );

    it(
      'redelivers a batch whose handler failed, without committing past it',
      async () => {
        const attempts = new Map<number, number>();
        const handled: number[] = [];
        let failing = true;
        const consumer = await consume(group('retry'), async (messages) => {
          for (const n of ns(messages)) attempts.set(n, (attempts.get(n) ?? 0) + 1);
          if (failing) throw new Error('transient: database restarting');
          handled.push(...ns(messages));
        });
        const publishing = subject.bus.publish([record('k', 1), record('k', 2), record('k', 3)]);
        await until(() => (attempts.get(1) ?? 0) >= 3, 'three failed attempts');
        // Failing: nothing acknowledged, nothing committed.
        expect(handled).toEqual([]);
        expect((await totals(consumer)).lag).toBe(3);
        failing = false;
        await publishing;
        await until(() => handled.length >= 3, 'the batch to be handled');
        expect(handled).toEqual([1, 2, 3]);
        expect(attempts.get(3)).toBe(attempts.get(1));
        await until(async () => (await totals(consumer)).lag === 0, 'the commit after the handler resolved');
        expect(await subject.deadLetters()).toEqual([]);
      },
      timeoutMs,
    );

    it(
      'resumes a group after the last acknowledged record when its consumer restarts; unacknowledged come again',
      async () => {
        const g = group('resume');
        const first: number[] = [];
        const firstAttempts: number[] = [];
        const consumer = await consume(g, async (messages) => {
          firstAttempts.push(...ns(messages));
          if (ns(messages).some((n) => n >= 5)) throw new Error('cannot handle 5 yet');
          first.push(...ns(messages));
        });
        await subject.bus.publish([1, 2, 3, 4].map((n) => record('k', n)));
        await until(() => first.length >= 4, 'first four');
        const publishing = subject.bus.publish([5, 6].map((n) => record('k', n)));
        await until(() => firstAttempts.includes(6), 'an attempt at 5 and 6');
        await stop(consumer);
        await publishing;
        await subject.bus.publish([7].map((n) => record('k', n)));

        const second: number[] = [];
        const resumed = await consume(g, async (messages) => {
          second.push(...ns(messages));
        });
        await until(() => second.includes(7), 'the record published while stopped');
        expect(first).toEqual([1, 2, 3, 4]);
        expect(second).toEqual([5, 6, 7]);
        await until(async () => (await totals(resumed)).lag === 0, 'lag 0');
      },
      timeoutMs,
    );

    it(
      'gives every group all records',
      async () => {
        const a: number[] = [];
        const b: number[] = [];
        await consume(group('a'), async (messages) => void a.push(...ns(messages)));
        await consume(group('b'), async (messages) => void b.push(...ns(messages)));
        await subject.bus.publish(range(0, 49).map((n) => record(`k${n % 7}`, n)));
        await until(() => a.length >= 50 && b.length >= 50, 'both groups');
        expect([...a].sort((x, y) => x - y)).toEqual(range(0, 49));
        expect([...b].sort((x, y) => x - y)).toEqual(range(0, 49));
      },
      timeoutMs,
    );

    it(
      'dead-letters a poison record with its reason and origin, and goes on with the rest',
      async () => {
        const g = group('poison');
        const handled: number[] = [];
        const offsets = new Map<number, { partition: number; offset: string }>();
        await consume(g, async (messages) => {
          for (const m of messages) offsets.set(parse(m).n, { partition: m.partition, offset: m.offset });
          const poison = messages.find((m) => parse(m).n === 2);
          if (poison) throw new PoisonMessageError(poison, 'cannot apply n=2');
          handled.push(...ns(messages));
        });
        await subject.bus.publish([1, 2, 3].map((n) => record('k', n)));
        await subject.bus.publish([4].map((n) => record('k', n)));
        await until(() => handled.includes(4), 'the records after the poison one');
        expect(handled).toEqual([1, 3, 4]);
        await until(async () => (await subject.deadLetters()).length > 0, 'the dead letter');
        expect(await subject.deadLetters()).toEqual([
          {
            key: 'k',
            value: JSON.stringify({ key: 'k', n: 2 }),
            reason: 'cannot apply n=2',
            group: g,
            originalPartition: offsets.get(2)?.partition,
            originalOffset: offsets.get(2)?.offset,
          },
        ]);
      },
      timeoutMs,
    );

    it(
      'with maxRetries, dead-letters only the message that keeps failing, then goes on',
      async () => {
        const g = group('exhausted');
        const handled: number[] = [];
        await consume(
          g,
          async (messages) => {
            if (ns(messages).includes(2)) throw new Error('constraint violated by n=2');
            handled.push(...ns(messages));
          },
          { maxRetries: 2 },
        );
        await subject.bus.publish([1, 2, 3].map((n) => record('k', n)));
        await subject.bus.publish([4].map((n) => record('k', n)));
        await until(() => handled.includes(4), 'the records after the failing one');
        expect(handled).toEqual([1, 3, 4]);
        await until(async () => (await subject.deadLetters()).length > 0, 'the dead letter');
        const letters = await subject.deadLetters();
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({ key: 'k', value: JSON.stringify({ key: 'k', n: 2 }), group: g });
        expect(letters[0].reason).toContain('constraint violated by n=2');
      },
      timeoutMs,
    );

    it(
      'starts at offsets the application stored (resolveStartOffsets), out-of-range ones from the beginning',
      async () => {
        await subject.bus.publish(range(1, 6).map((n) => record('k', n)));
        const positions = new Map<number, { partition: number; offset: string }>();
        const reader = await consume(group('reader'), async (messages) => {
          for (const m of messages) positions.set(parse(m).n, { partition: m.partition, offset: m.offset });
        });
        await until(() => positions.size >= 6, 'the six records');
        await stop(reader);
        const { partition, offset: offsetOf4 } = positions.get(4)!;

        const asked: number[][] = [];
        const fromStored: number[] = [];
        await consume(group('stored'), async (messages) => void fromStored.push(...ns(messages)), {
          resolveStartOffsets: async (partitions, topic) => {
            expect(topic).toBe(subject.bus.topic);
            asked.push([...partitions]);
            return new Map([[partition, offsetOf4]]);
          },
        });
        await until(() => fromStored.includes(6), 'the records after the stored offset');
        await sleep(200);
        expect(fromStored).toEqual([4, 5, 6]);
        expect(asked.flat()).toContain(partition);

        const fromOutOfRange: number[] = [];
        await consume(group('out-of-range'), async (messages) => void fromOutOfRange.push(...ns(messages)), {
          resolveStartOffsets: async () =>
            new Map([[partition, (BigInt(offsetOf4) + 1_000_000n).toString()]]),
        });
        await until(() => fromOutOfRange.includes(6), 'every record, from the beginning');
        expect(fromOutOfRange).toEqual(range(1, 6));

        const fromFailedResolve: number[] = [];
        await consume(
          group('failed-resolve'),
          async (messages) => void fromFailedResolve.push(...ns(messages)),
          {
            resolveStartOffsets: async () => {
              throw new Error('database down');
            },
          },
        );
        await until(() => fromFailedResolve.includes(6), 'every record, from the committed offsets');
        expect(fromFailedResolve).toEqual(range(1, 6));
      },
      timeoutMs,
    );
  });
}
