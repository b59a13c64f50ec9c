import type { BgNbdParams, RecencyFrequency } from './bg-nbd.model';
import type { GammaGammaParams, SpendSummary } from './gamma-gamma.model';

/**
 * Synthetic customer bases drawn from the models' own stories with a seeded generator, so that maximum
 * likelihood can be checked to recover the parameters that made the data.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Uniform in (0, 1): mulberry32. */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  exponential(rate: number): number {
    return -Math.log(this.uniform()) / rate;
  }

  /** Gamma(shape, rate) by Marsaglia & Tsang, with the shape < 1 boost. */
  gamma(shape: number, rate: number): number {
    if (shape < 1) return this.gamma(shape + 1, rate) * Math.pow(this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = this.normal();
      const v = Math.pow(1 + c * z, 3);
      if (v <= 0) continue;
      if (Math.log(this.uniform()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a, 1);
    return x / (x + this.gamma(b, 1));
  }
}

/** Customers following BG/NBD, observed for T drawn uniformly in [minT, maxT] after their first purchase. */
export function simulateBgNbd(
  params: BgNbdParams,
  customers: number,
  { seed, minT, maxT }: { seed: number; minT: number; maxT: number },
): RecencyFrequency[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: customers }, () => {
    const lambda = random.gamma(params.r, params.alpha);
    const p = random.beta(params.a, params.b);
    const T = minT + (maxT - minT) * random.uniform();
    let x = 0;
    let tx = 0;
    for (let t = random.exponential(lambda); t <= T; t += random.exponential(lambda)) {
      x += 1;
      tx = t;
      if (random.uniform() < p) break; // died just after this purchase
    }
    return { x, tx, T };
  });
}

/** Customers following Gamma-Gamma: x transactions each, values Gamma(p, nu) with nu ~ Gamma(q, gamma). */
export function simulateGammaGamma(
  params: GammaGammaParams,
  customers: number,
  { seed, maxTransactions }: { seed: number; maxTransactions: number },
): SpendSummary[] {
  const random = new SeededRandom(seed);
  const counts = Array.from({ length: customers }, () => 1 + Math.floor(random.uniform() * maxTransactions));
  return simulateMeanSpend(params, counts, seed + 1);
}

/** The mean value of each customer's x transactions under Gamma-Gamma (0 when x = 0). */
export function simulateMeanSpend(
  params: GammaGammaParams,
  counts: readonly number[],
  seed: number,
): SpendSummary[] {
  const random = new SeededRandom(seed);
  return counts.map((x) => {
    const nu = random.gamma(params.q, params.gamma);
    let total = 0;
    for (let i = 0; i < x; i++) total += random.gamma(params.p, nu);
    return { x, m: x > 0 ? total / x : 0 };
  });
}
