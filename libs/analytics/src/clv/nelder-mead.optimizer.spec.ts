import { minimizeNelderMead } from './nelder-mead.optimizer';

describe('minimizeNelderMead', () => {
  it('finds the minimum of a shifted quadratic bowl', () => {
    const result = minimizeNelderMead(
      ([x, y, z]) => (x - 3) ** 2 + 2 * (y + 1) ** 2 + 0.5 * (z - 0.25) ** 2 + 7,
      [0, 0, 0],
    );
    expect(result.converged).toBe(true);
    expect(result.value).toBeCloseTo(7, 10);
    expect(result.x[0]).toBeCloseTo(3, 5);
    expect(result.x[1]).toBeCloseTo(-1, 5);
    expect(result.x[2]).toBeCloseTo(0.25, 5);
  });

  it("follows Rosenbrock's curved valley to (1, 1)", () => {
    const result = minimizeNelderMead(([x, y]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2, [-1.2, 1]);
    expect(result.x[0]).toBeCloseTo(1, 4);
    expect(result.x[1]).toBeCloseTo(1, 4);
  });

  it('backs away from where the function is undefined', () => {
    // x − ln x is NaN for x < 0 and smallest at x = 1; big first steps from 0.2 land in the NaN region.
    const result = minimizeNelderMead(([x]) => x - Math.log(x), [0.2], { step: 2 });
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.value).toBeCloseTo(1, 10);
  });
});
