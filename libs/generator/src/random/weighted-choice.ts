import type { SeededRandom } from './seeded-random';

/** A fixed categorical distribution: O(log n) draws from cumulative weights. */
export class WeightedChoice<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new RangeError('WeightedChoice needs as many weights as items, at least one');
    }
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} must be finite and >= 0`);
      sum += w;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new RangeError('WeightedChoice needs a positive total weight');
    this.total = sum;
  }

  static of<T>(entries: readonly (readonly [T, number])[]): WeightedChoice<T> {
    return new WeightedChoice(
      entries.map(([item]) => item),
      entries.map(([, weight]) => weight),
    );
  }

  index(random: SeededRandom): number {
    const x = random.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  draw(random: SeededRandom): T {
    return this.items[this.index(random)];
  }
}

/** One draw from ad-hoc weights (small arrays, built per call). */
export function drawIndex(random: SeededRandom, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let x = random.float() * total;
  for (let i = 0; i < weights.length - 1; i++) {
    x -= weights[i];
    if (x < 0) return i;
  }
  return weights.length - 1;
}
