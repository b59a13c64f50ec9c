import { DeliveryCoalescer } from './delivery.coalescer';

interface D {
  readonly name: string;
  readonly size: number;
  readonly poison?: boolean;
}

/** Records every write; `together` fails when any delivery in it is poison, `alone` when that one is. */
function recorder(maxEvents = 100) {
  const writes: string[][] = [];
  let gate: Promise<void> = Promise.resolve();
  const coalescer = new DeliveryCoalescer<D>(
    async (ds) => {
      await gate;
      if (ds.some((d) => d.poison)) throw new Error('poison in the group');
      writes.push(ds.map((d) => d.name));
    },
    async (d) => {
      await gate;
      if (d.poison) throw new Error(`poison ${d.name}`);
      writes.push([d.name]);
    },
    maxEvents,
  );
  return { coalescer, writes, hold: (p: Promise<void>) => (gate = p) };
}

describe('DeliveryCoalescer', () => {
  it('writes a lone delivery on its own', async () => {
    const { coalescer, writes } = recorder();
    await coalescer.submit({ name: 'a', size: 3 });
    expect(writes).toEqual([['a']]);
  });

  it('writes the deliveries that arrive while a write runs together, in arrival order', async () => {
    const { coalescer, writes, hold } = recorder();
    let release!: () => void;
    hold(new Promise<void>((resolve) => (release = resolve)));
    const first = coalescer.submit({ name: 'a', size: 1 });
    await new Promise((resolve) => setImmediate(resolve)); // 'a' is being written
    const later = [coalescer.submit({ name: 'b', size: 1 }), coalescer.submit({ name: 'c', size: 1 })];
    release();
    await Promise.all([first, ...later]);
    expect(writes).toEqual([['a'], ['b', 'c']]);
  });

  it('groups deliveries submitted in the same turn of the event loop', async () => {
    const { coalescer, writes } = recorder();
    await Promise.all(['a', 'b', 'c'].map((name) => coalescer.submit({ name, size: 1 })));
    expect(writes).toEqual([['a', 'b', 'c']]);
  });

  it('keeps a combined write to maxEvents', async () => {
    const { coalescer, writes } = recorder(10);
    await Promise.all(
      [6, 4, 3, 20, 1].map((size, i) => coalescer.submit({ name: String.fromCharCode(97 + i), size })),
    );
    expect(writes).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
  });

  it('fails only the delivery that fails on its own when a combined write fails', async () => {
    const { coalescer, writes } = recorder();
    const outcomes = await Promise.allSettled([
      coalescer.submit({ name: 'a', size: 1 }),
      coalescer.submit({ name: 'bad', size: 1, poison: true }),
      coalescer.submit({ name: 'c', size: 1 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('poison bad'));
    expect(writes).toEqual([['a'], ['c']]);
  });

  it('goes on after a failure', async () => {
    const { coalescer, writes } = recorder();
    await expect(coalescer.submit({ name: 'bad', size: 1, poison: true })).rejects.toThrow('poison bad');
    await coalescer.submit({ name: 'next', size: 1 });
    expect(writes).toEqual([['next']]);
  });
});
