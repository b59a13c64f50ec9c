import { logAddExp, logBeta, logGamma, logHyp2f1 } from './special-functions';

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [5, Math.log(24)], // 4!
    [0.5, 0.5 * Math.log(Math.PI)], // Γ(1/2) = √π
    [1.5, Math.log(Math.sqrt(Math.PI) / 2)],
    [11, Math.log(3628800)], // 10!
  ])('ln Γ(%p) = %p', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 12);
  });

  it('stays exact for large arguments and near zero', () => {
    // ln Γ(n+1) = Σ ln k: summed directly for n = 1000.
    let lnFactorial = 0;
    for (let k = 2; k <= 1000; k++) lnFactorial += Math.log(k);
    expect(logGamma(1001) / lnFactorial).toBeCloseTo(1, 13);
    // Γ(x) ~ 1/x − γ_Euler as x → 0.
    expect(logGamma(1e-8)).toBeCloseTo(-Math.log(1e-8) - 0.5772156649e-8, 10);
  });
});

describe('logBeta and logAddExp', () => {
  it('B(2, 3) = 1/12 and B(1, n) = 1/n', () => {
    expect(logBeta(2, 3)).toBeCloseTo(-Math.log(12), 13);
    expect(logBeta(1, 7)).toBeCloseTo(-Math.log(7), 13);
  });

  it('adds in log space without overflow', () => {
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 14);
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logAddExp(-Infinity, 3)).toBe(3);
  });
});

describe('logHyp2f1', () => {
  it('2F1(1, 1; 2; z) = −ln(1 − z) / z', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) {
      expect(Math.exp(logHyp2f1(1, 1, 2, z))).toBeCloseTo(-Math.log(1 - z) / z, 11);
    }
  });

  it('2F1(a, b; b; z) = (1 − z)^−a, also when the terms grow to e^800 before they shrink', () => {
    expect(logHyp2f1(2.5, 3, 3, 0.3)).toBeCloseTo(-2.5 * Math.log(0.7), 12);
    // ln of the result is 300·ln 20 ≈ 898.7: far beyond a double, fine in log space.
    expect(logHyp2f1(300, 7, 7, 0.95) / (-300 * Math.log(0.05))).toBeCloseTo(1, 12);
  });

  it('ends quickly when b and c are both huge (a fit on 56 customers reached b ≈ 5e6 and stopped there)', () => {
    expect(logHyp2f1(4.39, 5e6, 5e6, 0.167)).toBeCloseTo(-4.39 * Math.log(1 - 0.167), 12);
    const [a, b, c, z] = [4.389720621797417, 5141919.2374394545, 5874350.331250791, 0.16701754655575926];
    let term = 1;
    let sum = 1;
    for (let n = 0; n < 200; n++) sum += term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    expect(logHyp2f1(a, b, c, z)).toBeCloseTo(Math.log(sum), 12);
  });

  it('is 1 at z = 0 and refuses arguments outside its series', () => {
    expect(logHyp2f1(1, 2, 3, 0)).toBe(0);
    expect(() => logHyp2f1(1, 2, 3, 1)).toThrow(RangeError);
    expect(() => logHyp2f1(1, 2, -0.5, 0.5)).toThrow(RangeError);
  });
});
