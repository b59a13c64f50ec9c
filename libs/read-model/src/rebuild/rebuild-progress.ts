/** Where a rebuild stands, as reported to `onProgress` (and, from the lease row, by the admin API). */
export interface RebuildProgress {
  readonly projection: string;
  /** Position the shadow held when this run started: above 0 when it resumed an interrupted run. */
  readonly startPosition: bigint;
  readonly position: bigint;
  /** Head of the event store when last measured. */
  readonly targetPosition: bigint;
  /** Events applied by this run. */
  readonly eventsApplied: number;
  readonly elapsedMs: number;
  /** 0..1, by position: exact on the embedded store (dense positions), by bytes on EventStoreDB. */
  readonly fraction: number;
  readonly eventsPerSecond: number;
  /** Estimated time to reach the target at the rate so far; undefined before there is a rate. */
  readonly etaMs: number | undefined;
  readonly phase: 'building' | 'swapping' | 'done';
}

/** Fraction, rate and ETA from positions and counts: shared by the rebuilder and the admin API. */
export function measureProgress(input: {
  projection: string;
  startPosition: bigint;
  position: bigint;
  targetPosition: bigint;
  eventsApplied: number;
  elapsedMs: number;
  phase: RebuildProgress['phase'];
}): RebuildProgress {
  const { startPosition, position, targetPosition, eventsApplied, elapsedMs } = input;
  const span = targetPosition > startPosition ? Number(targetPosition - startPosition) : 0;
  const done = position > startPosition ? Number(position - startPosition) : 0;
  const fraction = input.phase === 'done' ? 1 : span === 0 ? 0 : Math.min(1, done / span);
  const seconds = elapsedMs / 1000;
  const eventsPerSecond = seconds > 0 ? eventsApplied / seconds : 0;
  const positionsPerMs = elapsedMs > 0 ? done / elapsedMs : 0;
  const remaining = targetPosition > position ? Number(targetPosition - position) : 0;
  return {
    ...input,
    fraction,
    eventsPerSecond,
    etaMs: positionsPerMs > 0 ? Math.round(remaining / positionsPerMs) : undefined,
  };
}
