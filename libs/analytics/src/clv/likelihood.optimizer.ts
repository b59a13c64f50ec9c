import { minimizeBfgs, type BfgsOptions, type ObjectiveWithGradient } from './bfgs.optimizer';
import { minimizeNelderMead, type MinimizeResult } from './nelder-mead.optimizer';

/**
 * How the CLV models find their maximum likelihood (as a minimum of −ln L over log-parameters): BFGS with the
 * exact gradient, which ends in tens of iterations; should it stop short of a stationary point (a likelihood
 * too flat or too rough for its line search), Nelder–Mead carries on from where it stopped, needing values
 * only. `iterations` counts both.
 */
export function minimizeLogLikelihood(
  f: ObjectiveWithGradient,
  start: readonly number[],
  options: BfgsOptions = {},
): MinimizeResult {
  const quasiNewton = minimizeBfgs(f, start, options);
  if (quasiNewton.converged) return quasiNewton;
  const scratch = new Array<number>(start.length).fill(0);
  const simplex = minimizeNelderMead((x) => f(x, scratch), quasiNewton.x);
  const better = simplex.value <= quasiNewton.value ? simplex : quasiNewton;
  return {
    x: better.x,
    value: better.value,
    iterations: quasiNewton.iterations + simplex.iterations,
    converged: simplex.converged,
  };
}
