import type { ClvModel, ClvModelFitStats } from './clv.model';

/**
 * The least data the CLV models are fitted on: more observations than parameters. BG/NBD has four parameters
 * (one observation per customer), Gamma-Gamma three (one per customer with a repeat purchase worth more than
 * 0); with fewer maximum likelihood cannot be identified (one customer sends r to 338,891 and b to 7.7e-16).
 * Above the floor a small sample may still fail to determine the parameters: clvFitFailure judges the fit.
 */
export const CLV_MIN_CUSTOMERS = 5;
/** Customers with a repeat purchase worth more than 0: the Gamma-Gamma sample. */
export const CLV_MIN_SPEND_CUSTOMERS = 4;

/**
 * Below this a parameter has collapsed to 0 rather than been estimated (the search starts at 1 on the log
 * scale). At 0 the models degenerate: r → 0 gives almost every customer a purchase rate of 0, b → 0 makes
 * every customer drop out after each purchase (P(alive) = 0 for anyone who bought twice), p or q → 0 an
 * unbounded spend. Parameters running to infinity together are the models' limits without spread between
 * customers (r, α → ∞: one purchase rate; p, q, γ → ∞: one spend distribution), whose predictions stay finite.
 */
export const CLV_PARAMETER_FLOOR = 1e-6;

/**
 * Why a summary cannot support a CLV model, or undefined when it can: the counts above, checked before
 * fitting.
 */
export function clvDataShortfall(summary: {
  readonly customers: number;
  readonly spendCustomers: number;
}): string | undefined {
  if (summary.customers < CLV_MIN_CUSTOMERS) {
    return `${summary.customers} customer(s) bought by the cutoff; the CLV models need at least ${CLV_MIN_CUSTOMERS}`;
  }
  if (summary.spendCustomers < CLV_MIN_SPEND_CUSTOMERS) {
    return (
      `${summary.spendCustomers} customer(s) made a repeat purchase worth more than 0 by the cutoff; the CLV ` +
      `models need at least ${CLV_MIN_SPEND_CUSTOMERS}`
    );
  }
  return undefined;
}

/**
 * Why a fitted model is not an estimate, or undefined when it is. A fit fails when the optimiser did not
 * converge, when its log-likelihood or a parameter is not a finite number, or when a parameter collapsed
 * below CLV_PARAMETER_FLOOR.
 */
export function clvFitFailure(model: ClvModel): string | undefined {
  const bg = model.bgNbd;
  const gg = model.gammaGamma;
  if (!gg) return 'no customer made a repeat purchase worth more than 0: spend cannot be modelled';
  const fits: { name: string; fit: ClvModelFitStats; params: Record<string, number> }[] = [
    { name: 'BG/NBD', fit: bg, params: { ...bg.params } },
    { name: 'Gamma-Gamma', fit: gg, params: { ...gg.params } },
  ];
  for (const { name, fit, params } of fits) {
    if (!fit.converged) return `the ${name} fit did not converge after ${fit.iterations} iterations`;
    if (!Number.isFinite(fit.logLikelihood)) return `the ${name} log-likelihood is not finite`;
    for (const [param, value] of Object.entries(params)) {
      if (!Number.isFinite(value)) return `the ${name} parameter ${param} is ${value}`;
      if (!(value >= CLV_PARAMETER_FLOOR)) {
        return `the ${name} parameter ${param} collapsed to ${value} (below ${CLV_PARAMETER_FLOOR}): the data do not determine it`;
      }
    }
  }
  return undefined;
}
