import { digamma, logGamma } from './special-functions';

/** A customer history (x, t_x, T) and how many customers share it. */
export interface WeightedRecencyFrequency {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  readonly count: number;
}

/**
 * A customer base arranged for the BG/NBD likelihood: one entry per distinct (x, t_x, T) with its count,
 * and the distinct frequencies and times apart, so that an evaluation computes ln Γ and ψ once per distinct
 * x and ln(α + t) once per distinct time, leaving one exp and one log1p per distinct history.
 */
export interface BgNbdSample {
  readonly customers: number;
  /** Distinct x values, and the customers with each. */
  readonly frequencies: Float64Array;
  readonly customersByFrequency: Float64Array;
  /** Distinct t_x and T values together. */
  readonly times: Float64Array;
  /** Per distinct history: index into frequencies, into times for t_x and for T, and its count. */
  readonly frequencyIndex: Int32Array;
  readonly recencyIndex: Int32Array;
  readonly ageIndex: Int32Array;
  readonly counts: Float64Array;
}

function checkHistory(x: number, tx: number, T: number, count: number): void {
  if (!(Number.isInteger(x) && x >= 0 && tx >= 0 && T >= tx && count > 0)) {
    throw new RangeError(
      `BG/NBD needs whole x >= 0, 0 <= t_x <= T and a positive count (got x ${x}, t_x ${tx}, T ${T}, count ${count})`,
    );
  }
}

/** Groups customers (or already grouped histories) into a sample; identical histories become one entry. */
export function bgNbdSample(
  histories: readonly (Omit<WeightedRecencyFrequency, 'count'> & { readonly count?: number })[],
): BgNbdSample {
  const frequencyIds = new Map<number, number>();
  const timeIds = new Map<number, number>();
  const frequencies: number[] = [];
  const customersByFrequency: number[] = [];
  const times: number[] = [];
  const idOf = (ids: Map<number, number>, values: number[], value: number) => {
    let id = ids.get(value);
    if (id === undefined) {
      ids.set(value, (id = values.length));
      values.push(value);
    }
    return id;
  };
  // Histories keyed by their three ids: a number (exact below 2^53) instead of a string per customer.
  const entryOf = new Map<number, number>();
  const frequencyIndex: number[] = [];
  const recencyIndex: number[] = [];
  const ageIndex: number[] = [];
  const counts: number[] = [];
  let customers = 0;
  for (const h of histories) {
    const count = h.count ?? 1;
    checkHistory(h.x, h.tx, h.T, count);
    const xi = idOf(frequencyIds, frequencies, h.x);
    customersByFrequency[xi] = (customersByFrequency[xi] ?? 0) + count;
    const ti = idOf(timeIds, times, h.tx);
    const Ti = idOf(timeIds, times, h.T);
    customers += count;
    const key = (xi * 2 ** 21 + ti) * 2 ** 21 + Ti;
    const entry = xi < 2 ** 11 && ti < 2 ** 21 && Ti < 2 ** 21 ? entryOf.get(key) : undefined;
    if (entry !== undefined) {
      counts[entry] += count;
      continue;
    }
    if (xi < 2 ** 11 && ti < 2 ** 21 && Ti < 2 ** 21) entryOf.set(key, counts.length);
    frequencyIndex.push(xi);
    recencyIndex.push(ti);
    ageIndex.push(Ti);
    counts.push(count);
  }
  return {
    customers,
    frequencies: Float64Array.from(frequencies),
    customersByFrequency: Float64Array.from(customersByFrequency),
    times: Float64Array.from(times),
    frequencyIndex: Int32Array.from(frequencyIndex),
    recencyIndex: Int32Array.from(recencyIndex),
    ageIndex: Int32Array.from(ageIndex),
    counts: Float64Array.from(counts),
  };
}

/**
 * Σ ln L(r, α, a, b | x, t_x, T) over the sample, and its gradient with respect to ln r, ln α, ln a, ln b
 * (written into `gradient`). Per customer (equation (6) of Fader, Hardie & Lee 2005, in logs):
 *
 *   ln L  = base(x) + ln(e^A + [x > 0] e^D)
 *   base  = ln Γ(r+x) − ln Γ(r) + r ln α + ln Γ(b+x) − ln Γ(a+b+x) − ln Γ(b) + ln Γ(a+b)
 *   A     = −(r+x) ln(α+T)                         (alive at T)
 *   D     = ln a − ln(b+x−1) − (r+x) ln(α+t_x)     (died just after the last purchase)
 *
 * With w = e^D / (e^A + e^D), the share of the second term, the derivatives are
 *   ∂/∂r = ψ(r+x) − ψ(r) + ln α − (1−w) ln(α+T) − w ln(α+t_x)
 *   ∂/∂α = r/α − (r+x) [(1−w)/(α+T) + w/(α+t_x)]
 *   ∂/∂a = ψ(a+b) − ψ(a+b+x) + w/a
 *   ∂/∂b = ψ(b+x) − ψ(a+b+x) − ψ(b) + ψ(a+b) − w/(b+x−1)
 * and ∂/∂ln θ = θ ∂/∂θ.
 */
export function bgNbdSampleLogLikelihood(
  sample: BgNbdSample,
  [r, alpha, a, b]: readonly [number, number, number, number] | readonly number[],
  gradient?: number[],
): number {
  const { frequencies, customersByFrequency, times } = sample;
  const logAlpha = Math.log(alpha);
  const logTime = new Float64Array(times.length);
  const invTime = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) {
    logTime[i] = Math.log(alpha + times[i]);
    invTime[i] = 1 / (alpha + times[i]);
  }
  const nx = frequencies.length;
  const death = new Float64Array(nx);
  const invBX = new Float64Array(nx);
  let zeroIndex = -1;
  const logA = Math.log(a);
  const lgR = logGamma(r);
  const lgB = logGamma(b);
  const lgAB = logGamma(a + b);
  const psiR = digamma(r);
  const psiB = digamma(b);
  const psiAB = digamma(a + b);
  let sum = 0;
  let dr = 0;
  let dAlpha = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < nx; i++) {
    const x = frequencies[i];
    const n = customersByFrequency[i];
    sum += n * (logGamma(r + x) - lgR + r * logAlpha + logGamma(b + x) - logGamma(a + b + x) - lgB + lgAB);
    death[i] = x > 0 ? logA - Math.log(b + x - 1) : -Infinity;
    invBX[i] = x > 0 ? 1 / (b + x - 1) : 0;
    if (x === 0) zeroIndex = i;
    {
      const psiABX = digamma(a + b + x);
      dr += n * (digamma(r + x) - psiR + logAlpha);
      dAlpha += (n * r) / alpha;
      da += n * (psiAB - psiABX);
      db += n * (digamma(b + x) - psiABX - psiB + psiAB);
    }
  }
  const { frequencyIndex, recencyIndex, ageIndex, counts } = sample;
  // Per history: ln L = A + ln(1 + e^(D − A)) with D − A = death(x) − (r+x)(ln(α+t_x) − ln(α+T)); one exp
  // and one log1p. Σ w and Σ w/(b+x−1) are what ∂/∂a and ∂/∂b need from here.
  let sumW = 0;
  let sumWOverBX = 0;
  for (let k = 0; k < counts.length; k++) {
    const xi = frequencyIndex[k];
    const n = counts[k];
    const Ti = ageIndex[k];
    const rx = r + frequencies[xi];
    const logT = logTime[Ti];
    if (xi === zeroIndex) {
      sum -= n * rx * logT;
      dr -= n * logT;
      dAlpha -= n * rx * invTime[Ti];
      continue;
    }
    const ti = recencyIndex[k];
    const logTx = logTime[ti];
    const diff = death[xi] - rx * (logTx - logT);
    const e = Math.exp(-Math.abs(diff));
    const w = diff > 0 ? 1 / (1 + e) : e / (1 + e);
    sum += n * ((diff > 0 ? diff : 0) - rx * logT + Math.log1p(e));
    dr -= n * (logT + w * (logTx - logT));
    dAlpha -= n * rx * (invTime[Ti] + w * (invTime[ti] - invTime[Ti]));
    sumW += n * w;
    sumWOverBX += n * w * invBX[xi];
  }
  da += sumW / a;
  db -= sumWOverBX;
  if (gradient) {
    gradient[0] = r * dr;
    gradient[1] = alpha * dAlpha;
    gradient[2] = a * da;
    gradient[3] = b * db;
  }
  return sum;
}

/**
 * Every k-th distinct history with k times its count: a sample of about the same size and shape, 1/k of
 * the work per evaluation. Its maximum is near the full one, so a fit on it is a cheap start.
 */
export function thinBgNbdSample(sample: BgNbdSample, k: number): BgNbdSample {
  const picked: number[] = [];
  for (let i = 0; i < sample.counts.length; i += k) picked.push(i);
  const customersByFrequency = new Float64Array(sample.frequencies.length);
  const counts = Float64Array.from(picked, (i) => sample.counts[i] * k);
  picked.forEach((i, j) => (customersByFrequency[sample.frequencyIndex[i]] += counts[j]));
  return {
    customers: counts.reduce((n, c) => n + c, 0),
    frequencies: sample.frequencies,
    customersByFrequency,
    times: sample.times,
    frequencyIndex: Int32Array.from(picked, (i) => sample.frequencyIndex[i]),
    recencyIndex: Int32Array.from(picked, (i) => sample.recencyIndex[i]),
    ageIndex: Int32Array.from(picked, (i) => sample.ageIndex[i]),
    counts,
  };
}
