/** Nearest-rank percentiles of a sample (sorted in place). */
export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  const n = values.length;
  const at = (q: number) =>
    n === 0 ? Number.NaN : values[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (const v of values) sum += v;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    count: n,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(at(1)),
    mean: round(n === 0 ? Number.NaN : sum / n),
  };
}
