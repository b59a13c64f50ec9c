import { simulateGammaGamma } from './clv-simulation.fixture';
import {
  fitGammaGamma,
  gammaGammaExpectedSpend,
  gammaGammaLogLikelihood,
  gammaGammaTotalLogLikelihood,
} from './gamma-gamma.model';

describe('Gamma-Gamma likelihood (by hand)', () => {
  it('f(m | p, q, gamma, x) = Γ(px+q)/(Γ(px)Γ(q)) · γ^q · m^(px−1) · x^(px) / (γ + m·x)^(px+q)', () => {
    // p = q = γ = 1, x = 1, m = 1: Γ(2)/(Γ(1)Γ(1)) · 1 · 1 · 1 / 2^2 = 1/4.
    expect(gammaGammaLogLikelihood({ p: 1, q: 1, gamma: 1 }, { x: 1, m: 1 })).toBeCloseTo(
      Math.log(1 / 4),
      14,
    );
    // p = 2, q = 3, γ = 4, x = 2, m = 5: Γ(7)/(Γ(4)Γ(3)) = 720/12 = 60; 4^3 · 5^3 · 2^4 / 14^7.
    expect(gammaGammaLogLikelihood({ p: 2, q: 3, gamma: 4 }, { x: 2, m: 5 })).toBeCloseTo(
      Math.log((60 * 64 * 125 * 16) / 14 ** 7),
      13,
    );
  });

  it('is a density in m: it integrates to 1', () => {
    const params = { p: 2, q: 3, gamma: 4 };
    let integral = 0;
    const step = 0.005;
    for (let m = step / 2; m < 400; m += step) {
      integral += Math.exp(gammaGammaLogLikelihood(params, { x: 3, m })) * step;
    }
    expect(integral).toBeCloseTo(1, 4);
  });
});

describe('Gamma-Gamma expected spend (by hand)', () => {
  it('weighs the customer mean against the population mean p·γ/(q−1)', () => {
    const params = { p: 2, q: 3, gamma: 4 };
    // (p (γ + m x)) / (p x + q − 1) = 2 (4 + 10) / (4 + 2) = 28/6.
    expect(gammaGammaExpectedSpend(params, { x: 2, m: 5 })).toBeCloseTo(28 / 6, 14);
    // No repeat purchase: the population mean 2 · 4 / 2 = 4.
    expect(gammaGammaExpectedSpend(params, { x: 0, m: 0 })).toBeCloseTo(4, 14);
    // Many purchases: the customer's own mean.
    expect(gammaGammaExpectedSpend(params, { x: 10_000, m: 5 })).toBeCloseTo(5, 3);
  });
});

describe('fitGammaGamma', () => {
  const truth = { p: 6, q: 4, gamma: 15 };
  const customers = simulateGammaGamma(truth, 3_000, { seed: 2013, maxTransactions: 8 });
  const fit = fitGammaGamma(customers);

  it('maximises the likelihood and recovers the population mean spend', () => {
    expect(fit.converged).toBe(true);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(gammaGammaTotalLogLikelihood(truth, customers));
    for (const name of ['p', 'q', 'gamma'] as const) {
      for (const factor of [0.99, 1.01]) {
        const moved = { ...fit.params, [name]: fit.params[name] * factor };
        expect(gammaGammaTotalLogLikelihood(moved, customers)).toBeLessThan(fit.logLikelihood);
      }
    }
    const mean = (p: { p: number; q: number; gamma: number }) => (p.p * p.gamma) / (p.q - 1);
    expect(mean(fit.params) / mean(truth)).toBeGreaterThan(0.95);
    expect(mean(fit.params) / mean(truth)).toBeLessThan(1.05);
    expect(fit.params.p / truth.p).toBeGreaterThan(0.85);
    expect(fit.params.p / truth.p).toBeLessThan(1.15);
  });

  it('ignores customers without repeat purchases and needs at least one with', () => {
    const withZeros = [...customers, { x: 0, m: 0 }, { x: 0, m: 0 }];
    expect(fitGammaGamma(withZeros).customers).toBe(3_000);
    expect(() => fitGammaGamma([{ x: 0, m: 0 }])).toThrow(RangeError);
  });
});
