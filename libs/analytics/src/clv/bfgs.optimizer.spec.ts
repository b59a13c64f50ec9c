import { minimizeBfgs } from './bfgs.optimizer';

describe('minimizeBfgs', () => {
  it('finds the minimum of a shifted quadratic bowl in a few iterations', () => {
    const result = minimizeBfgs(
      ([x, y, z], g) => {
        g[0] = 2 * (x - 3);
        g[1] = 4 * (y + 1);
        g[2] = z - 0.25;
        return (x - 3) ** 2 + 2 * (y + 1) ** 2 + 0.5 * (z - 0.25) ** 2 + 7;
      },
      [0, 0, 0],
    );
    expect(result.converged).toBe(true);
    expect(result.value).toBeCloseTo(7, 12);
    // f is flat to rounding within ~1e-8 of the minimum (7 + 1e-16 is 7): that is as close as values can tell.
    expect(result.x[0]).toBeCloseTo(3, 7);
    expect(result.x[1]).toBeCloseTo(-1, 7);
    expect(result.x[2]).toBeCloseTo(0.25, 7);
    // A quadratic in three variables: BFGS with line searches needs about n + 1 steps, a simplex hundreds.
    expect(result.iterations).toBeLessThan(20);
  });

  it("follows Rosenbrock's curved valley to (1, 1)", () => {
    const result = minimizeBfgs(
      ([x, y], g) => {
        g[0] = -400 * x * (y - x * x) - 2 * (1 - x);
        g[1] = 200 * (y - x * x);
        return 100 * (y - x * x) ** 2 + (1 - x) ** 2;
      },
      [-1.2, 1],
    );
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
  });

  it('backs away from where the function is undefined', () => {
    // x − ln x is NaN for x < 0 and smallest at x = 1; the first full step from 0.2 lands at x < 0.
    const result = minimizeBfgs(
      ([x], g) => {
        g[0] = 1 - 1 / x;
        return x - Math.log(x);
      },
      [0.2],
    );
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 8);
  });

  it('reports no convergence when the function has no minimum', () => {
    const result = minimizeBfgs(
      ([x, y], g) => {
        g[0] = -1;
        g[1] = 2 * y;
        return y * y - x;
      },
      [0, 1],
      { maxIterations: 50 },
    );
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(50);
    // Never more than maxStep (8) per coordinate and iteration.
    expect(result.x[0]).toBeLessThanOrEqual(8 * 50);
  });

  it('stops at once on a start where the function is undefined', () => {
    const result = minimizeBfgs(
      ([x], g) => {
        g[0] = NaN;
        return Math.log(x);
      },
      [-1],
    );
    expect(result).toMatchObject({ converged: false, iterations: 0, evaluations: 1 });
  });
});
