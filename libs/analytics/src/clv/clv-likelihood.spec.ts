import {
  bgNbdExpectedTransactionsIfAlive,
  bgNbdLogLikelihood,
  fitBgNbd,
  fitBgNbdWeighted,
  type BgNbdParams,
} from './bg-nbd.model';
import { bgNbdSample, bgNbdSampleLogLikelihood } from './bg-nbd.likelihood';
import { simulateBgNbd, simulateGammaGamma } from './clv-simulation.fixture';
import {
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaSample,
  gammaGammaSampleLogLikelihood,
} from './gamma-gamma.model';
import { minimizeNelderMead } from './nelder-mead.optimizer';
import { digamma, hyp2f1MinusOne, logGamma, logHyp2f1 } from './special-functions';

/** Central differences of f along each log-parameter. */
function numericGradient(f: (logParams: number[]) => number, at: number[]): number[] {
  return at.map((_, i) => {
    const h = 1e-5;
    const up = at.map((v, j) => (j === i ? v + h : v));
    const down = at.map((v, j) => (j === i ? v - h : v));
    return (f(up) - f(down)) / (2 * h);
  });
}

// Days as in the clv_summary view: t_x and T are whole days / 7, so many customers share a history.
const histories = simulateBgNbd({ r: 0.25, alpha: 4.8, a: 0.72, b: 2.16 }, 4_000, {
  seed: 12,
  minT: 1,
  maxT: 78,
}).map(({ x, tx, T }) => ({ x, tx: Math.floor(tx * 7) / 7, T: Math.ceil(T * 7) / 7 }));
const spenders = simulateGammaGamma({ p: 6, q: 3.6, gamma: 15 }, 2_000, { seed: 5, maxTransactions: 9 });

describe('digamma', () => {
  it('is the derivative of ln Γ', () => {
    for (const x of [1e-3, 0.2, 1, 2.5, 6, 40, 1e4]) {
      const h = 1e-6 * Math.max(1, x);
      expect(digamma(x)).toBeCloseTo((logGamma(x + h) - logGamma(x - h)) / (2 * h), x < 0.01 ? 2 : 6);
    }
  });

  it('takes the known values ψ(1) = −γ_Euler and ψ(1/2) = −γ_Euler − 2 ln 2', () => {
    const euler = 0.5772156649015329;
    expect(digamma(1)).toBeCloseTo(-euler, 13);
    expect(digamma(0.5)).toBeCloseTo(-euler - 2 * Math.log(2), 13);
    expect(() => digamma(0)).toThrow(RangeError);
  });
});

describe('BG/NBD on grouped histories', () => {
  const sample = bgNbdSample(histories);
  const params = [0.3, 5, 0.8, 2];

  it('groups identical histories and keeps every customer', () => {
    expect(sample.customers).toBe(4_000);
    expect(sample.counts.length).toBeLessThan(4_000);
    expect(sample.counts.reduce((s, c) => s + c, 0)).toBe(4_000);
  });

  it('has the likelihood of the customers one by one', () => {
    const [r, alpha, a, b] = params;
    const oneByOne = histories.reduce((s, h) => s + bgNbdLogLikelihood({ r, alpha, a, b }, h), 0);
    expect(bgNbdSampleLogLikelihood(sample, params) / oneByOne).toBeCloseTo(1, 13);
  });

  it('has the exact gradient in the log-parameters', () => {
    const gradient = [0, 0, 0, 0];
    bgNbdSampleLogLikelihood(sample, params, gradient);
    const numeric = numericGradient(
      (lp) => bgNbdSampleLogLikelihood(sample, lp.map(Math.exp)),
      params.map(Math.log),
    );
    gradient.forEach((g, i) => expect(Math.abs(g - numeric[i])).toBeLessThan(1e-5 * (1 + Math.abs(g))));
  });

  it('fits the same estimates as the derivative-free search (today’s within 1e-6)', () => {
    const fit = fitBgNbd(histories);
    const simplex = minimizeNelderMead(
      (lp) => -bgNbdSampleLogLikelihood(sample, lp.map(Math.exp)),
      [0, 0, 0, 0],
    );
    expect(fit.converged && simplex.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(60);
    const reference = simplex.x.map(Math.exp);
    [fit.params.r, fit.params.alpha, fit.params.a, fit.params.b].forEach((v, i) =>
      expect(Math.abs(v / reference[i] - 1)).toBeLessThan(1e-6),
    );
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(-simplex.value - 1e-9 * Math.abs(simplex.value));
  });

  it('reaches the same maximum when it starts from a fit on a thinned sample', () => {
    const grouped = histories.map((h) => ({ ...h, count: 1 }));
    const direct = fitBgNbdWeighted(grouped, { thinnedStartAbove: Infinity });
    const thinned = fitBgNbdWeighted(grouped, { thinnedStartAbove: 200 });
    expect(thinned.converged).toBe(true);
    expect(thinned.logLikelihood / direct.logLikelihood).toBeCloseTo(1, 12);
    (['r', 'alpha', 'a', 'b'] as const).forEach((k) =>
      expect(Math.abs(thinned.params[k] / direct.params[k] - 1)).toBeLessThan(1e-6),
    );
  });

  it('refuses an impossible history', () => {
    expect(() => bgNbdSample([{ x: 1.5, tx: 1, T: 2 }])).toThrow(RangeError);
    expect(() => bgNbdSample([{ x: 1, tx: 1, T: 2, count: 0 }])).toThrow(RangeError);
  });
});

describe('Gamma-Gamma on grouped spend', () => {
  const sample = gammaGammaSample(spenders);
  const params = [5, 3, 12];

  it('has the likelihood of the customers one by one and its exact gradient', () => {
    const [p, q, gamma] = params;
    const oneByOne = spenders.reduce((s, c) => s + gammaGammaLogLikelihood({ p, q, gamma }, c), 0);
    const gradient = [0, 0, 0];
    expect(gammaGammaSampleLogLikelihood(sample, params, gradient) / oneByOne).toBeCloseTo(1, 13);
    const numeric = numericGradient(
      (lp) => gammaGammaSampleLogLikelihood(sample, lp.map(Math.exp)),
      params.map(Math.log),
    );
    gradient.forEach((g, i) => expect(Math.abs(g - numeric[i])).toBeLessThan(1e-5 * (1 + Math.abs(g))));
  });

  it('fits the same estimates as the derivative-free search (its ridge is flat: within 1e-5)', () => {
    const fit = fitGammaGamma(spenders);
    const meanSpend = spenders.reduce((s, c) => s + c.m, 0) / spenders.length;
    const simplex = minimizeNelderMead(
      (lp) => -gammaGammaSampleLogLikelihood(sample, lp.map(Math.exp)),
      [0, 0, Math.log(meanSpend)],
    );
    const reference = simplex.x.map(Math.exp);
    [fit.params.p, fit.params.q, fit.params.gamma].forEach((v, i) =>
      expect(Math.abs(v / reference[i] - 1)).toBeLessThan(1e-5),
    );
    expect(Math.abs(fit.logLikelihood / -simplex.value - 1)).toBeLessThan(1e-12);
    expect(fit.iterations).toBeLessThan(60);
  });
});

describe('E[Y(t) | alive] by Euler’s transformation', () => {
  /** Equation (10) as printed, with the hypergeometric series summed in log space. */
  const printed = ({ r, alpha, a, b }: BgNbdParams, x: number, T: number, t: number) => {
    const logTail =
      (r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)) +
      logHyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
    return ((a + b + x - 1) / (a - 1)) * -Math.expm1(logTail);
  };

  it.each([
    [{ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }],
    [{ r: 0.5, alpha: 6, a: 1.7, b: 2.5 }],
    [{ r: 2, alpha: 0.5, a: 0.3, b: 0.9 }],
  ])('equals the printed formula for %j', (params) => {
    for (const x of [0, 1, 3, 12, 80, 600]) {
      for (const T of [0.5, 10, 38.9, 156]) {
        for (const t of [0.1, 1, 13, 52, 520]) {
          const expected = printed(params, x, T, t);
          const actual = bgNbdExpectedTransactionsIfAlive(params, x, T, t);
          // The printed form loses digits to its log-space series (up to ~3e-9 at x = 600, see below).
          expect({ x, T, t, relative: Math.abs(actual / expected - 1) < 1e-8 }).toEqual({
            x,
            T,
            t,
            relative: true,
          });
        }
      }
    }
  });

  it('matches 40-digit values (mpmath) to 1e-11, less where 1 − tail cancels', () => {
    const cdnow = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    expect(bgNbdExpectedTransactionsIfAlive(cdnow, 600, 156, 0.1) / 0.3740915238502005 - 1).toBeCloseTo(
      0,
      11,
    );
    expect(bgNbdExpectedTransactionsIfAlive(cdnow, 0, 156, 0.001) / 1.5148289305810877e-6 - 1).toBeCloseTo(
      0,
      9,
    ); // 1 − tail ≈ 1e-7 here: 7 of the 16 digits go to the subtraction
    const other = { r: 2, alpha: 0.5, a: 0.3, b: 0.9 };
    expect(bgNbdExpectedTransactionsIfAlive(other, 600, 0.5, 520) / 67674.53716017057 - 1).toBeCloseTo(0, 11);
  });

  it('2F1 − 1 by the plain series: 2F1(1, 1; 2; z) = −ln(1 − z)/z and (1 − z)^−a', () => {
    for (const z of [0.01, 0.5, 0.95]) {
      expect(hyp2f1MinusOne(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z - 1, 12);
      expect(hyp2f1MinusOne(-0.3, 2, 2, z)).toBeCloseTo(Math.pow(1 - z, 0.3) - 1, 12);
    }
    expect(hyp2f1MinusOne(1, 1, 2, 0)).toBe(0);
    expect(() => hyp2f1MinusOne(1, 1, -1, 0.5)).toThrow(RangeError);
  });
});
