export interface MinimizeResult {
  /** Point of the lowest value found. */
  readonly x: number[];
  readonly value: number;
  /** Iterations over all restarts. */
  readonly iterations: number;
  /** The simplex collapsed below the tolerances before the iteration budget ran out. */
  readonly converged: boolean;
}

export interface NelderMeadOptions {
  /** Initial step along each axis. Default 0.5 (in log-parameters: a factor of ~1.6). */
  readonly step?: number;
  /** Stop when the values across the simplex differ by less than this. Default 1e-11. */
  readonly valueTolerance?: number;
  /** ... and the simplex is smaller than this in every coordinate. Default 1e-9. */
  readonly pointTolerance?: number;
  readonly maxIterations?: number;
  /** Fresh simplexes built around the best point after convergence (guards against a premature collapse). */
  readonly restarts?: number;
}

/**
 * Nelder–Mead downhill simplex (standard coefficients: reflection 1, expansion 2, contraction 0.5,
 * shrink 0.5). Derivative-free, so the likelihoods need no gradients; the CLV models optimise
 * log-parameters, which keeps every parameter positive without constraints. Non-finite values count as +Inf,
 * so the simplex backs away from regions where a likelihood is undefined.
 */
export function minimizeNelderMead(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: NelderMeadOptions = {},
): MinimizeResult {
  const step = options.step ?? 0.5;
  const valueTolerance = options.valueTolerance ?? 1e-11;
  const pointTolerance = options.pointTolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 20_000;
  const restarts = options.restarts ?? 3;
  const safe = (x: readonly number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let best = { x: [...start], value: safe(start) };
  let iterations = 0;
  let converged = false;
  for (let round = 0; round <= restarts; round++) {
    const run = simplexSearch(safe, best.x, round === 0 ? step : step / 4, {
      valueTolerance,
      pointTolerance,
      maxIterations: maxIterations - iterations,
    });
    iterations += run.iterations;
    converged = run.converged;
    const improvement = best.value - run.value;
    if (run.value <= best.value) best = { x: run.x, value: run.value };
    if (!run.converged || iterations >= maxIterations) break;
    if (round > 0 && Math.abs(improvement) <= valueTolerance * (1 + Math.abs(best.value))) break;
  }
  return { x: best.x, value: best.value, iterations, converged };
}

function simplexSearch(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  step: number,
  {
    valueTolerance,
    pointTolerance,
    maxIterations,
  }: { valueTolerance: number; pointTolerance: number; maxIterations: number },
): MinimizeResult {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((x) => ({
    x: [...x],
    value: f(x),
  }));
  const at = (base: number[], towards: number[], t: number) => base.map((v, i) => v + t * (towards[i] - v));

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    simplex.sort((a, b) => a.value - b.value);
    const bestPoint = simplex[0];
    const worst = simplex[n];
    const spread = worst.value - bestPoint.value;
    const size = Math.max(
      ...simplex.slice(1).flatMap((p) => p.x.map((v, i) => Math.abs(v - bestPoint.x[i]))),
    );
    if (spread <= valueTolerance * (1 + Math.abs(bestPoint.value)) && size <= pointTolerance) {
      return { x: bestPoint.x, value: bestPoint.value, iterations: iteration, converged: true };
    }
    const centroid = Array.from(
      { length: n },
      (_, i) => simplex.slice(0, n).reduce((s, p) => s + p.x[i], 0) / n,
    );
    const reflected = at(centroid, worst.x, -1);
    const reflectedValue = f(reflected);
    if (reflectedValue < bestPoint.value) {
      const expanded = at(centroid, worst.x, -2);
      const expandedValue = f(expanded);
      simplex[n] =
        expandedValue < reflectedValue
          ? { x: expanded, value: expandedValue }
          : { x: reflected, value: reflectedValue };
      continue;
    }
    if (reflectedValue < simplex[n - 1].value) {
      simplex[n] = { x: reflected, value: reflectedValue };
      continue;
    }
    // Contract towards the better of the worst point and its reflection.
    const outside = reflectedValue < worst.value;
    const contracted = outside ? at(centroid, reflected, 0.5) : at(centroid, worst.x, 0.5);
    const contractedValue = f(contracted);
    if (contractedValue < (outside ? reflectedValue : worst.value)) {
      simplex[n] = { x: contracted, value: contractedValue };
      continue;
    }
    simplex = simplex.map((p, i) => {
      if (i === 0) return p;
      const x = at(bestPoint.x, p.x, 0.5);
      return { x, value: f(x) };
    });
  }
  simplex.sort((a, b) => a.value - b.value);
  return { x: simplex[0].x, value: simplex[0].value, iterations: maxIterations, converged: false };
}
