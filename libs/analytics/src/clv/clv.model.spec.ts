import { bgNbdConditionalExpectedTransactions, bgNbdProbabilityAlive } from './bg-nbd.model';
import { clvHoldoutReport } from './clv-holdout.report';
import { discountedValue, perPeriodDiscountRate } from './clv.discounting';
import {
  CLV_MODEL_VERSION,
  fitClvModel,
  fitClvModelOnSample,
  predictClv,
  predictClvAll,
  type ClvModel,
} from './clv.model';
import { simulateBgNbd, simulateMeanSpend } from './clv-simulation.fixture';

/** A fixed model, as if fitted, with hand-friendly parameters. */
const MODEL: ClvModel = {
  modelVersion: CLV_MODEL_VERSION,
  cutoff: '2024-12-31',
  currency: 'EUR',
  timeUnitDays: 7,
  customers: 3,
  repeatCustomers: 2,
  bgNbd: { params: { r: 1, alpha: 1, a: 2, b: 1 }, logLikelihood: -1, iterations: 1, converged: true },
  gammaGamma: {
    params: { p: 2, q: 3, gamma: 4 },
    logLikelihood: -1,
    iterations: 1,
    converged: true,
    customers: 2,
  },
};

describe('discounting', () => {
  it('turns an annual rate into a per-period one: (1 + annual)^(days / 365.25) − 1', () => {
    expect(perPeriodDiscountRate(0.1, 365.25)).toBeCloseTo(0.1, 14);
    expect(perPeriodDiscountRate(0.1, 7)).toBeCloseTo(Math.pow(1.1, 7 / 365.25) - 1, 15);
    expect(perPeriodDiscountRate(0, 7)).toBe(0);
    expect(() => perPeriodDiscountRate(-0.1, 7)).toThrow(RangeError);
  });

  it('discounts the purchases expected in each period at its end', () => {
    // One purchase per period worth 100, 10 % per period: 100/1.1 + 100/1.21 = 173.55...
    const linear = (t: number) => t;
    expect(discountedValue(linear, { horizon: 2, perPeriodRate: 0.1, valuePerPurchase: 100 })).toBeCloseTo(
      100 / 1.1 + 100 / 1.21,
      10,
    );
    // Half a last period, discounted at the horizon; margin 30 %.
    expect(
      discountedValue(linear, { horizon: 1.5, perPeriodRate: 0.1, valuePerPurchase: 100, margin: 0.3 }),
    ).toBeCloseTo(0.3 * (100 / 1.1 + 50 / Math.pow(1.1, 1.5)), 10);
    expect(discountedValue(linear, { horizon: 0, perPeriodRate: 0.1, valuePerPurchase: 100 })).toBe(0);
  });
});

describe('predictClv', () => {
  const repeat = { customerId: 'c1', x: 2, tx: 5, T: 6, revenueMinor: 1_800, meanRepeatMinor: 500 };
  const single = { customerId: 'c2', x: 0, tx: 0, T: 1, revenueMinor: 900, meanRepeatMinor: 0 };

  it('without discounting, CLV = expected purchases × expected spend', () => {
    const p = predictClv(MODEL, repeat, { horizon: 52 });
    expect(p.pAlive).toBeCloseTo(bgNbdProbabilityAlive(MODEL.bgNbd.params, repeat), 14);
    expect(p.expectedPurchases).toBeCloseTo(
      bgNbdConditionalExpectedTransactions(MODEL.bgNbd.params, repeat, 52),
      12,
    );
    // Gamma-Gamma in major units: 2 (4 + 5·2) / (2·2 + 3 − 1) = 28/6 euros = 466.67 cents.
    expect(p.expectedSpendMinor).toBeCloseTo((28 / 6) * 100, 10);
    expect(p.clvMinor).toBeCloseTo(p.expectedPurchases * p.expectedSpendMinor, 8);
  });

  it('a customer without repeat purchases is valued at the population mean spend p·γ/(q−1)', () => {
    const p = predictClv(MODEL, single, { horizon: 2 });
    expect(p.pAlive).toBe(1);
    expect(p.expectedPurchases).toBeCloseTo(2 * (1 - Math.log(2)), 12); // see bg-nbd.model.spec
    expect(p.expectedSpendMinor).toBeCloseTo(400, 10);
  });

  it('discounting lowers the value, more over a longer horizon', () => {
    const plain = predictClv(MODEL, repeat, { horizon: 104 });
    const discounted = predictClv(MODEL, repeat, { horizon: 104, annualDiscountRate: 0.15, margin: 0.5 });
    expect(discounted.clvMinor).toBeLessThan(0.5 * plain.clvMinor);
    expect(discounted.clvMinor).toBeGreaterThan(0.5 * plain.clvMinor * Math.pow(1.15, -2));
  });

  it('predictClvAll gives each customer what predictClv gives', () => {
    const all = predictClvAll(MODEL, [repeat, single, { ...repeat, customerId: 'c3' }], { horizon: 26 });
    expect(all.map((p) => p.customerId)).toEqual(['c1', 'c2', 'c3']);
    expect(all[0]).toEqual(predictClv(MODEL, repeat, { horizon: 26 }));
    expect(all[2]).toEqual({ ...all[0], customerId: 'c3' });
  });
});

describe('fitClvModel', () => {
  // Frequencies from BG/NBD, repeat spend from Gamma-Gamma with a population mean of 6 · 10 / (4 − 1) = $20.
  const frequencies = simulateBgNbd({ r: 0.5, alpha: 6, a: 0.7, b: 2.5 }, 1_500, {
    seed: 7,
    minT: 20,
    maxT: 30,
  });
  const spend = simulateMeanSpend(
    { p: 6, q: 4, gamma: 10 },
    frequencies.map((f) => f.x),
    8,
  );
  const base = frequencies.map((rf, i) => ({
    customerId: `c${i}`,
    ...rf,
    meanRepeatMinor: Math.round(spend[i].m * 100),
    revenueMinor: 1_500 + Math.round(spend[i].m * 100) * rf.x,
  }));

  it('is a frozen value object with both fits, the version and the Gamma-Gamma scale in major units', () => {
    const model = fitClvModel(base, { cutoff: '2024-06-30', currency: 'USD' });
    expect(model.modelVersion).toBe(CLV_MODEL_VERSION);
    expect(model).toMatchObject({ cutoff: '2024-06-30', currency: 'USD', timeUnitDays: 7, customers: 1_500 });
    expect(model.repeatCustomers).toBe(base.filter((c) => c.x > 0).length);
    expect(Object.isFrozen(model) && Object.isFrozen(model.bgNbd.params)).toBe(true);
    const gg = model.gammaGamma!;
    // In dollars, not cents: near the $20 the spends were drawn around.
    const populationMean = (gg.params.p * gg.params.gamma) / (gg.params.q - 1);
    expect(populationMean).toBeGreaterThan(17);
    expect(populationMean).toBeLessThan(23);
    // The same amounts in yen (no minor unit) are 100 times larger in major units.
    const yen = fitClvModel(base, { cutoff: '2024-06-30', currency: 'JPY' }).gammaGamma!;
    expect((yen.params.p * yen.params.gamma) / (yen.params.q - 1) / populationMean).toBeCloseTo(100, 1);
  });

  it('fits the same model on the grouped summary (counts per history and spend) as on the rows', () => {
    // Whole days, as the clv_summary view has them: many customers share a history.
    const days = base.map((c) => ({ ...c, tx: Math.floor(c.tx * 7) / 7, T: Math.ceil(c.T * 7) / 7 }));
    const count = <K extends string>(keys: string[], make: (key: string, n: number) => Record<K, number>) => {
      const counts = new Map<string, number>();
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      return [...counts].map(([key, n]) => make(key, n));
    };
    const sample = {
      histories: count(
        days.map((c) => `${c.x}|${c.tx}|${c.T}`),
        (key, n) => {
          const [x, tx, T] = key.split('|').map(Number);
          return { x, tx, T, count: n };
        },
      ),
      spend: count(
        days.filter((c) => c.x > 0).map((c) => `${c.x}|${c.meanRepeatMinor}`),
        (key, n) => {
          const [x, meanRepeatMinor] = key.split('|').map(Number);
          return { x, meanRepeatMinor, count: n };
        },
      ),
    };
    expect(sample.histories.length).toBeLessThan(days.length);
    const grouped = fitClvModelOnSample(sample, { cutoff: '2024-06-30', currency: 'USD' });
    const rows = fitClvModel(days, { cutoff: '2024-06-30', currency: 'USD' });
    expect([grouped.customers, grouped.repeatCustomers, grouped.gammaGamma!.customers]).toEqual([
      rows.customers,
      rows.repeatCustomers,
      rows.gammaGamma!.customers,
    ]);
    expect(grouped.bgNbd.logLikelihood / rows.bgNbd.logLikelihood).toBeCloseTo(1, 12);
    expect(grouped.gammaGamma!.logLikelihood / rows.gammaGamma!.logLikelihood).toBeCloseTo(1, 12);
    for (const [name, value] of Object.entries({ ...grouped.bgNbd.params, ...grouped.gammaGamma!.params })) {
      const reference = { ...rows.bgNbd.params, ...rows.gammaGamma!.params }[name as 'r'];
      expect({ name, close: Math.abs(value / reference - 1) < 1e-5 }).toEqual({ name, close: true });
    }
  });

  it('has no spend model without repeat purchases, and then values spend at what the customer spent', () => {
    const newcomers = base.slice(0, 50).map((c) => ({ ...c, x: 0, tx: 0, meanRepeatMinor: 0 }));
    const model = fitClvModel(newcomers, { cutoff: '2024-06-30', currency: 'USD' });
    expect(model.gammaGamma).toBeNull();
    expect(predictClv(model, newcomers[3], { horizon: 10 }).expectedSpendMinor).toBe(
      newcomers[3].revenueMinor,
    );
  });
});

describe('clvHoldoutReport', () => {
  it('bins customers by calibration frequency and compares mean holdout purchases with the expectation', () => {
    const customers = [
      {
        customerId: 'a',
        x: 0,
        tx: 0,
        T: 1,
        revenueMinor: 1,
        meanRepeatMinor: 0,
        xHoldout: 1,
        holdoutWeeks: 2,
      },
      {
        customerId: 'b',
        x: 0,
        tx: 0,
        T: 1,
        revenueMinor: 1,
        meanRepeatMinor: 0,
        xHoldout: 0,
        holdoutWeeks: 2,
      },
      {
        customerId: 'c',
        x: 1,
        tx: 1,
        T: 2,
        revenueMinor: 2,
        meanRepeatMinor: 1,
        xHoldout: 3,
        holdoutWeeks: 2,
      },
      {
        customerId: 'd',
        x: 9,
        tx: 5,
        T: 6,
        revenueMinor: 9,
        meanRepeatMinor: 1,
        xHoldout: 4,
        holdoutWeeks: 2,
      },
      {
        customerId: 'e',
        x: 3,
        tx: 5,
        T: 6,
        revenueMinor: 9,
        meanRepeatMinor: 1,
        xHoldout: 2,
        holdoutWeeks: 2,
      },
    ];
    const report = clvHoldoutReport(MODEL, customers, { maxFrequency: 3 });
    expect(report.bins.map((b) => [b.label, b.customers, b.actualMean])).toEqual([
      ['0', 2, 0.5],
      ['1', 1, 3],
      ['2', 0, 0],
      ['3+', 2, 3],
    ]);
    const e = (c: (typeof customers)[number]) =>
      bgNbdConditionalExpectedTransactions(MODEL.bgNbd.params, c, 2);
    expect(report.bins[0].predictedMean).toBeCloseTo(2 * (1 - Math.log(2)), 12);
    expect(report.bins[3].predictedMean).toBeCloseTo((e(customers[3]) + e(customers[4])) / 2, 12);
    expect(report.actualTotal).toBe(10);
    expect(report.predictedTotal).toBeCloseTo(
      customers.reduce((s, c) => s + e(c), 0),
      12,
    );
  });
});
