import {
  bgNbdConditionalExpectedTransactions,
  bgNbdExpectedTransactions,
  bgNbdLogLikelihood,
  bgNbdProbabilityAlive,
  bgNbdTotalLogLikelihood,
  fitBgNbd,
} from './bg-nbd.model';
import { simulateBgNbd } from './clv-simulation.fixture';

const ONES = { r: 1, alpha: 1, a: 1, b: 1 };

describe('BG/NBD likelihood (by hand)', () => {
  it('x = 0: L = (alpha / (alpha + T))^r, 1/2 for r = alpha = T = 1', () => {
    expect(bgNbdLogLikelihood(ONES, { x: 0, tx: 0, T: 1 })).toBeCloseTo(Math.log(1 / 2), 14);
    // a and b do not matter without repeat purchases: the customer cannot have died yet.
    expect(bgNbdLogLikelihood({ ...ONES, a: 3, b: 0.2 }, { x: 0, tx: 0, T: 1 })).toBeCloseTo(
      Math.log(1 / 2),
      14,
    );
  });

  it('x = 1, t_x = 1, T = 2 with all parameters 1: L = 13/72', () => {
    // Alive at T: B(1,2)/B(1,1) · Γ(2)/Γ(1) · 1/(1+2)^2 = 1/2 · 1/9 = 1/18.
    // Died just after the purchase at t_x: B(2,1)/B(1,1) · 1/(1+1)^2 = 1/2 · 1/4 = 1/8.
    expect(bgNbdLogLikelihood(ONES, { x: 1, tx: 1, T: 2 })).toBeCloseTo(Math.log(1 / 18 + 1 / 8), 14);
    expect(
      bgNbdTotalLogLikelihood(ONES, [
        { x: 1, tx: 1, T: 2 },
        { x: 0, tx: 0, T: 1 },
        { x: 1, tx: 1, T: 2 },
      ]),
    ).toBeCloseTo(2 * Math.log(13 / 72) + Math.log(1 / 2), 13);
  });

  it('stays finite for heavy buyers (hundreds of purchases)', () => {
    const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const heavy = { x: 600, tx: 104, T: 104 };
    expect(Number.isFinite(bgNbdLogLikelihood(params, heavy))).toBe(true);
    const expected = bgNbdConditionalExpectedTransactions(params, heavy, 52);
    // Posterior mean rate (r + x)/(alpha + T) = 5.54 a week, 288 in 52 weeks if they never left; leaving
    // after each purchase with mean probability a/(a + b + x) = 0.13 % takes off a fifth or so.
    const rate = (0.243 + 600) / (4.414 + 104);
    expect(expected).toBeGreaterThan(0.75 * rate * 52);
    expect(expected).toBeLessThan(rate * 52);
  });

  it('refuses a summary that cannot be (last purchase after the end of observation)', () => {
    expect(() => bgNbdTotalLogLikelihood(ONES, [{ x: 1, tx: 3, T: 2 }])).toThrow(RangeError);
    expect(() => fitBgNbd([])).toThrow(RangeError);
  });
});

describe('BG/NBD predictions (by hand)', () => {
  it('P(alive) = 1 / (1 + a/(b+x−1) · ((alpha+T)/(alpha+t_x))^(r+x)): 4/13 for the case above', () => {
    expect(bgNbdProbabilityAlive(ONES, { x: 1, tx: 1, T: 2 })).toBeCloseTo(4 / 13, 14);
    expect(bgNbdProbabilityAlive(ONES, { x: 0, tx: 0, T: 50 })).toBe(1);
    // A purchase just now: alive with odds b+x−1 : a.
    expect(bgNbdProbabilityAlive({ ...ONES, a: 1, b: 3 }, { x: 2, tx: 5, T: 5 })).toBeCloseTo(4 / 5, 14);
  });

  it('E[Y(t) | x = 0]: 2·(1 − ln 2) for r = alpha = b = 1, a = 2, T = 1, t = 2', () => {
    // (a+b−1)/(a−1) = 2; ((alpha+T)/(alpha+T+t))^r = 1/2; 2F1(1, 1; 2; 1/2) = 2 ln 2.
    const params = { r: 1, alpha: 1, a: 2, b: 1 };
    expect(bgNbdConditionalExpectedTransactions(params, { x: 0, tx: 0, T: 1 }, 2)).toBeCloseTo(
      2 * (1 - Math.log(2)),
      12,
    );
    expect(bgNbdConditionalExpectedTransactions(params, { x: 0, tx: 0, T: 1 }, 0)).toBe(0);
  });

  it('E[X(t)] of a new customer: 2·(1 − ln 2) for t = 1, and r·t/alpha for a short t', () => {
    const params = { r: 1, alpha: 1, a: 2, b: 1 };
    expect(bgNbdExpectedTransactions(params, 1)).toBeCloseTo(2 * (1 - Math.log(2)), 12);
    const cdnow = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    expect(bgNbdExpectedTransactions(cdnow, 1e-4) / ((0.243 * 1e-4) / 4.414)).toBeCloseTo(1, 3);
    // A customer observed for no time is a new customer.
    expect(bgNbdConditionalExpectedTransactions(cdnow, { x: 0, tx: 0, T: 0 }, 39)).toBeCloseTo(
      bgNbdExpectedTransactions(cdnow, 39),
      12,
    );
  });

  it("reproduces the paper's worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 in 39 weeks", () => {
    // Fader, Hardie & Lee (2005), section 5, with their CDNOW estimates (expected values, not inputs to a fit).
    const published = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const expected = bgNbdConditionalExpectedTransactions(published, { x: 2, tx: 30.43, T: 38.86 }, 39);
    expect(expected.toPrecision(4)).toBe('1.226');
  });
});

describe('fitBgNbd', () => {
  const truth = { r: 0.5, alpha: 6, a: 0.7, b: 2.5 };
  const customers = simulateBgNbd(truth, 6_000, { seed: 20050301, minT: 26, maxT: 39 });
  const fit = fitBgNbd(customers);

  it('maximises the likelihood: no worse than the parameters that made the data, and at a stationary point', () => {
    expect(fit.converged).toBe(true);
    expect(fit.customers).toBe(6_000);
    expect(fit.logLikelihood).toBeCloseTo(bgNbdTotalLogLikelihood(fit.params, customers), 8);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgNbdTotalLogLikelihood(truth, customers));
    // Moving any parameter by 1 % either way lowers the likelihood.
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      for (const factor of [0.99, 1.01]) {
        const moved = { ...fit.params, [name]: fit.params[name] * factor };
        expect(bgNbdTotalLogLikelihood(moved, customers)).toBeLessThan(fit.logLikelihood);
      }
    }
  });

  it('recovers the parameters that generated the data', () => {
    expect(fit.params.r / fit.params.alpha).toBeCloseTo(truth.r / truth.alpha, 2); // mean purchase rate
    expect(fit.params.r).toBeGreaterThan(truth.r * 0.85);
    expect(fit.params.r).toBeLessThan(truth.r * 1.15);
    expect(fit.params.a / (fit.params.a + fit.params.b)).toBeGreaterThan(0.7 * (0.7 / 3.2)); // mean drop-out
    expect(fit.params.a / (fit.params.a + fit.params.b)).toBeLessThan(1.3 * (0.7 / 3.2));
  });
});
