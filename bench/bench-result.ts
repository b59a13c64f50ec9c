/** One line of the results table: a measured figure over several runs, or a scenario not measurable yet. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** One value per run; empty when pending. */
  readonly samples: readonly number[];
  readonly target?: { readonly value: number; readonly atLeast: boolean };
  /** "not yet measurable: needs <part>". */
  readonly pending?: string;
  readonly notes?: string;
  readonly details?: readonly Readonly<Record<string, unknown>>[];
}

export interface Scenario {
  /** What --only selects. */
  readonly group: string;
  run(): Promise<ScenarioResult[]>;
}

export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(samples: readonly number[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/** pass / miss on the median; undefined when there is no target or no figure. */
export function verdict(result: ScenarioResult): 'pass' | 'miss' | undefined {
  const summary = summarize(result.samples);
  if (!summary || !result.target) return undefined;
  const { value, atLeast } = result.target;
  return (atLeast ? summary.median >= value : summary.median <= value) ? 'pass' : 'miss';
}
