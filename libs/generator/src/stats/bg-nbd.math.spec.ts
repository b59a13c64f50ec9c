import { SeededRandom } from '../random/seeded-random';
import { expectedRepeatPurchases, hypergeometric2F1, probabilityNoRepeat } from './bg-nbd.math';

describe('BG/NBD expectations', () => {
  it('computes 2F1 against closed forms', () => {
    // 2F1(1, 1; 2; z) = -ln(1 - z) / z
    expect(hypergeometric2F1(1, 1, 2, 0.9)).toBeCloseTo(-Math.log(0.1) / 0.9, 10);
    expect(hypergeometric2F1(0.5, 2, 3, 0)).toBe(1);
  });

  it('matches a direct simulation of the generative story', () => {
    const params = { r: 0.6, alpha: 60, a: 0.85, b: 3.2 };
    const t = 500;
    const random = new SeededRandom(11);
    const n = 100_000;
    let total = 0;
    let none = 0;
    for (let i = 0; i < n; i++) {
      const lambda = random.gamma(params.r, params.alpha);
      const p = random.beta(params.a, params.b);
      let x = 0;
      for (let time = random.exponential(1 / lambda); time <= t; time += random.exponential(1 / lambda)) {
        x++;
        if (random.float() < p) break;
      }
      total += x;
      if (x === 0) none++;
    }
    expect(total / n / expectedRepeatPurchases(params, t)).toBeCloseTo(1, 1);
    expect(none / n).toBeCloseTo(probabilityNoRepeat(params, t), 2);
  });
});
