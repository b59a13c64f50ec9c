import {
  CLV_MIN_CUSTOMERS,
  CLV_MIN_SPEND_CUSTOMERS,
  CLV_PARAMETER_FLOOR,
  clvDataShortfall,
  clvFitFailure,
} from './clv-fit.check';
import { CLV_MODEL_VERSION, fitClvModel, type ClvModel } from './clv.model';

const GOOD: ClvModel = {
  modelVersion: CLV_MODEL_VERSION,
  cutoff: '1997-09-30',
  currency: 'USD',
  timeUnitDays: 7,
  customers: 2_357,
  repeatCustomers: 946,
  bgNbd: {
    params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
    logLikelihood: -9582.4,
    iterations: 30,
    converged: true,
  },
  gammaGamma: {
    params: { p: 6.25, q: 3.74, gamma: 15.44 },
    logLikelihood: -4055.9,
    iterations: 20,
    converged: true,
    customers: 946,
  },
};

describe('clvDataShortfall', () => {
  it(`asks for ${CLV_MIN_CUSTOMERS} customers and ${CLV_MIN_SPEND_CUSTOMERS} with a repeat purchase worth more than 0`, () => {
    expect(clvDataShortfall({ customers: 1, spendCustomers: 0 })).toMatch(
      /1 customer\(s\) bought.*at least 5/,
    );
    expect(clvDataShortfall({ customers: 500, spendCustomers: 3 })).toMatch(
      /3 customer\(s\) made a repeat purchase worth more than 0.*at least 4/,
    );
    expect(clvDataShortfall({ customers: CLV_MIN_CUSTOMERS, spendCustomers: CLV_MIN_SPEND_CUSTOMERS })).toBe(
      undefined,
    );
  });
});

describe('clvFitFailure', () => {
  it('accepts a converged fit with finite parameters, also ones running large together (no spread)', () => {
    expect(clvFitFailure(GOOD)).toBeUndefined();
    const homogeneousSpend = { ...GOOD.gammaGamma!, params: { p: 4e7, q: 2e7, gamma: 3e8 } };
    expect(clvFitFailure({ ...GOOD, gammaGamma: homogeneousSpend })).toBeUndefined();
  });

  it('refuses a fit that did not converge, collapsed a parameter or has no finite likelihood', () => {
    const bg = GOOD.bgNbd;
    expect(clvFitFailure({ ...GOOD, bgNbd: { ...bg, converged: false, iterations: 500 } })).toBe(
      'the BG/NBD fit did not converge after 500 iterations',
    );
    // The reported case: r 338891 and b 7.7e-16 on one customer.
    expect(
      clvFitFailure({ ...GOOD, bgNbd: { ...bg, params: { ...bg.params, r: 338_891, b: 7.7e-16 } } }),
    ).toMatch(/BG\/NBD parameter b collapsed to 7.7e-16/);
    const gg = GOOD.gammaGamma!;
    expect(clvFitFailure({ ...GOOD, gammaGamma: { ...gg, logLikelihood: -Infinity } })).toBe(
      'the Gamma-Gamma log-likelihood is not finite',
    );
    expect(clvFitFailure({ ...GOOD, gammaGamma: { ...gg, params: { ...gg.params, q: NaN } } })).toBe(
      'the Gamma-Gamma parameter q is NaN',
    );
    expect(
      clvFitFailure({ ...GOOD, gammaGamma: { ...gg, params: { ...gg.params, p: CLV_PARAMETER_FLOOR / 2 } } }),
    ).toMatch(/Gamma-Gamma parameter p collapsed/);
    expect(clvFitFailure({ ...GOOD, gammaGamma: null })).toMatch(/spend cannot be modelled/);
  });

  it('catches what the search does on one customer (the counts above refuse it before fitting)', () => {
    // Six purchases, the last at the cutoff: nothing tells the models how customers differ.
    const one = [{ customerId: 'c1', x: 5, tx: 10, T: 10, revenueMinor: 6_000, meanRepeatMinor: 1_000 }];
    expect(clvFitFailure(fitClvModel(one, { cutoff: '2026-01-01', currency: 'EUR' }))).toMatch(
      /collapsed|did not converge/,
    );
  });
});
