import { describeBusContract } from '../testing/bus.contract';
import { InProcessBus } from './in-process.bus';

describeBusContract('in-process', async () => {
  const bus = new InProcessBus({ partitions: 4 });
  return {
    bus,
    deadLetters: async () =>
      bus.deadLetters.map((d) => ({
        key: d.message.key,
        value: d.message.value.toString('utf8'),
        reason: d.reason,
        group: d.group,
        originalPartition: d.message.partition,
        originalOffset: d.message.offset,
      })),
    dispose: () => bus.close(),
  };
});

describe('InProcessBus specifics', () => {
  it('resolves publish only once every running group has handled the records', async () => {
    const bus = new InProcessBus({ partitions: 2 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    const consumer = await bus.consume({
      group: 'slow',
      handler: async (messages) => {
        await gate;
        handled.push(...messages.map((m) => m.key));
      },
    });
    let published = false;
    const publishing = bus.publish([{ key: 'a', value: '1' }]).then(() => (published = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(published).toBe(false);
    release();
    await publishing;
    expect(handled).toEqual(['a']);
    await consumer.stop();
    await bus.close();
  });

  it('lets each group move at its own pace: a stalled group does not hold another', async () => {
    const bus = new InProcessBus({ partitions: 3 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fast: string[] = [];
    const slow: string[] = [];
    const consumers = [
      await bus.consume({ group: 'fast', handler: async (m) => void fast.push(...m.map((x) => x.key)) }),
      await bus.consume({
        group: 'slow',
        handler: async (m) => {
          await gate;
          slow.push(...m.map((x) => x.key));
        },
      }),
    ];
    const publishes = Array.from({ length: 50 }, (_, i) => bus.publish([{ key: `k${i}`, value: 'v' }]));
    const settled: number[] = [];
    publishes.forEach((p, i) => void p.then(() => settled.push(i)));
    while (fast.length < 50) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(slow).toEqual([]);
    expect(settled).toEqual([]); // not durable until every group has them
    release();
    await Promise.all(publishes);
    expect(new Set(slow).size).toBe(50);
    expect(settled).toEqual(Array.from({ length: 50 }, (_, i) => i)); // resolved in publish order
    await Promise.all(consumers.map((c) => c.stop()));
    await bus.close();
  });

  it('hands a backlog out in deliveries of defaultMaxBatchSize', async () => {
    const bus = new InProcessBus({ partitions: 1, defaultMaxBatchSize: 300 });
    await bus.publish(Array.from({ length: 1_000 }, (_, i) => ({ key: 'k', value: String(i) })));
    const sizes: number[] = [];
    const consumer = await bus.consume({ group: 'g', handler: async (m) => void sizes.push(m.length) });
    while (sizes.reduce((a, b) => a + b, 0) < 1_000) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sizes).toEqual([300, 300, 300, 100]);
    await consumer.stop();
    await bus.close();
  });

  it('rejects the publishes no group has handled when closed', async () => {
    const bus = new InProcessBus({ partitions: 1 });
    const consumer = await bus.consume({ group: 'g', handler: () => new Promise<void>(() => undefined) });
    const publishing = bus.publish([{ key: 'k', value: 'v' }]);
    await bus.close();
    await expect(publishing).rejects.toThrow(/closed/);
    void consumer;
  });

  it('keeps memory bounded: handled records are dropped beyond the retained ones', async () => {
    const bus = new InProcessBus({ partitions: 1, retainHandled: 100 });
    const consumer = await bus.consume({ group: 'g', handler: async () => undefined });
    for (let i = 0; i < 5_000; i++) await bus.publish([{ key: 'k', value: String(i) }]);
    const [lag] = await consumer.lag();
    expect(lag.lag).toBe(0);
    expect(BigInt(lag.end) - BigInt(lag.committed)).toBe(0n);
    expect((bus as unknown as { logs: { messages: unknown[] }[] }).logs[0].messages.length).toBeLessThan(400);
    await consumer.stop();
    await bus.close();
  });

  it('numbers offsets from its creation time, so offsets stored under an earlier bus are out of range', async () => {
    const earlier = new InProcessBus({ partitions: 1 });
    await earlier.publish([{ key: 'k', value: 'old' }]);
    const seen: string[] = [];
    let consumer = await earlier.consume({
      group: 'g',
      handler: async (m) => void seen.push(...m.map((x) => x.offset)),
    });
    await earlier.publish([{ key: 'k', value: 'old-2' }]);
    await consumer.stop();
    await earlier.close();
    const stored = (BigInt(seen[seen.length - 1]) + 1n).toString();

    await new Promise((resolve) => setTimeout(resolve, 2));
    const later = new InProcessBus({ partitions: 1 });
    const values: string[] = [];
    consumer = await later.consume({
      group: 'g',
      handler: async (messages) => void values.push(...messages.map((m) => m.value.toString())),
      resolveStartOffsets: async () => new Map([[0, stored]]),
    });
    await later.publish([{ key: 'k', value: 'new' }]);
    expect(values).toEqual(['new']);
    expect(BigInt((await consumer.lag())[0].committed)).toBeGreaterThan(BigInt(stored));
    await consumer.stop();
    await later.close();
  });

  it('handles at most `concurrency` partitions at a time', async () => {
    const bus = new InProcessBus({ partitions: 4 });
    let active = 0;
    let peak = 0;
    const consumer = await bus.consume({
      group: 'g',
      concurrency: 1,
      handler: async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
      },
    });
    await Promise.all(Array.from({ length: 20 }, (_, i) => bus.publish([{ key: `k${i}`, value: 'v' }])));
    expect(peak).toBe(1);
    await consumer.stop();
    await bus.close();
  });

  it('refuses a second consumer of one group, and publish after close', async () => {
    const bus = new InProcessBus({ partitions: 1 });
    const consumer = await bus.consume({ group: 'g', handler: async () => undefined });
    await expect(bus.consume({ group: 'g', handler: async () => undefined })).rejects.toThrow(/already/);
    await consumer.stop();
    await consumer.stop(); // idempotent
    await bus.close();
    await expect(bus.publish([{ key: 'k', value: 'v' }])).rejects.toThrow(/closed/);
  });
});
