import { SeededRandom, toSeed } from './seeded-random';
import { seededUuid } from './uuid';
import { WeightedChoice } from './weighted-choice';

const moments = (draw: () => number, n = 200_000) => {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
};

describe('SeededRandom', () => {
  it('repeats its stream for a seed and differs across seeds and streams', () => {
    const take = (r: SeededRandom) => Array.from({ length: 5 }, () => r.uint32());
    expect(take(new SeededRandom(42))).toEqual(take(new SeededRandom(42)));
    expect(take(new SeededRandom(42))).not.toEqual(take(new SeededRandom(43)));
    expect(take(new SeededRandom(42, 1))).not.toEqual(take(new SeededRandom(42, 2)));
  });

  it('draws uniforms in [0, 1) with the right mean', () => {
    const random = new SeededRandom(1);
    const { mean, variance } = moments(() => random.float());
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 2);
  });

  it.each([
    [0.6, 60],
    [2.5, 1],
    [6, 12],
  ])('draws Gamma(%p, %p) with mean k/rate and variance k/rate^2', (shape, rate) => {
    const random = new SeededRandom(7);
    const { mean, variance } = moments(() => random.gamma(shape, rate));
    expect(mean / (shape / rate)).toBeCloseTo(1, 1);
    expect(variance / (shape / rate ** 2)).toBeCloseTo(1, 1);
  });

  it('draws Beta(a, b) with mean a/(a+b)', () => {
    const random = new SeededRandom(3);
    expect(moments(() => random.beta(0.85, 3.2)).mean).toBeCloseTo(0.85 / 4.05, 2);
  });

  it('draws from weighted choices in proportion', () => {
    const random = new SeededRandom(5);
    const choice = WeightedChoice.of([
      ['a', 1],
      ['b', 3],
    ]);
    const bs = Array.from({ length: 40_000 }, () => choice.draw(random)).filter((x) => x === 'b').length;
    expect(bs / 40_000).toBeCloseTo(0.75, 1);
  });

  it('makes reproducible version 4 UUIDs', () => {
    const a = seededUuid(new SeededRandom(9));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(seededUuid(new SeededRandom(9))).toBe(a);
  });

  it('turns words into seeds', () => {
    expect(toSeed('demo')).toBe(toSeed('demo'));
    expect(toSeed('demo')).not.toBe(toSeed('demo2'));
    expect(toSeed(12.7)).toBe(12);
    expect(toSeed('42')).toBe(42);
  });
});
