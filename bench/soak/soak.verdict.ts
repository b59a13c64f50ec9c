import type { SoakSample } from './soak-sampler';
import type { SoakOptions } from './soak.options';

export interface SoakCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Least-squares slope of y over x (units of y per unit of x); 0 for fewer than two points. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export interface SoakFigures {
  readonly rssSlopeMiBPerMin: number;
  readonly heapSlopeMiBPerMin: number;
  readonly lagSlopeEventsPerMin: Record<string, number>;
}

/**
 * The second half of the run is judged: the first half is warm-up (JIT, caches, SQLite page cache and chDB
 * parts growing to their working size). A leak shows as a steady rise of RSS or heap there; a projector that
 * cannot keep up shows as lag rising there and not returning to zero after the load stops.
 */
export function judge(
  options: SoakOptions,
  samples: readonly SoakSample[],
  drained: { lagEvents: Record<string, number>; afterS: number } | null,
  errors: number,
  requests: number,
): { figures: SoakFigures; checks: SoakCheck[] } {
  const lastS = samples.at(-1)?.atS ?? 0;
  const judged = samples.filter((s) => s.atS >= lastS / 2);
  const perMin = (pick: (s: SoakSample) => number) => slope(judged.map((s) => [s.atS / 60, pick(s)]));
  const stages = Object.keys(samples[0]?.lagEvents ?? {});
  const figures: SoakFigures = {
    rssSlopeMiBPerMin: round(perMin((s) => s.rssMiB)),
    heapSlopeMiBPerMin: round(slope(heapFloors(judged, options.sampleEverySeconds))),
    lagSlopeEventsPerMin: Object.fromEntries(stages.map((st) => [st, round(perMin((s) => s.lagEvents[st]))])),
  };
  const maxLagSlope = options.maxLagSlopeShare * options.writeRate * 60;
  const checks: SoakCheck[] = [
    {
      name: 'enough samples',
      ok: judged.length >= 4,
      detail: `${judged.length} samples in the second half (need >= 4)`,
    },
    {
      name: 'no RSS leak',
      ok: figures.rssSlopeMiBPerMin <= options.maxRssSlopeMibPerMin,
      detail: `slope ${figures.rssSlopeMiBPerMin} MiB/min (limit ${options.maxRssSlopeMibPerMin})`,
    },
    {
      name: 'no heap leak',
      ok: figures.heapSlopeMiBPerMin <= options.maxHeapSlopeMibPerMin,
      detail:
        `slope of the per-minute floor ${figures.heapSlopeMiBPerMin} MiB/min ` +
        `(limit ${options.maxHeapSlopeMibPerMin})`,
    },
    ...stages.map((st) => ({
      name: `no growing lag: ${st}`,
      ok: figures.lagSlopeEventsPerMin[st] <= maxLagSlope,
      detail: `slope ${figures.lagSlopeEventsPerMin[st]} events/min (limit ${round(maxLagSlope)})`,
    })),
    {
      name: 'lag drains to zero',
      ok: drained !== null && Object.values(drained.lagEvents).every((lag) => lag === 0),
      detail: drained
        ? `${JSON.stringify(drained.lagEvents)} ${drained.afterS} s after the load stopped`
        : 'pipeline not read',
    },
    {
      name: 'no server errors',
      ok: errors === 0,
      detail: `${errors} of ${requests} requests answered 5xx or failed`,
    },
  ];
  return { figures, checks };
}

/**
 * The heap used saws up and down with every garbage collection, so its raw samples give a noisy slope. The
 * lowest value of each minute is close to what survived a collection (the live set): its trend is the leak.
 * A minute with fewer than half its samples (the last one holds only the final sample) has no floor.
 */
export function heapFloors(samples: readonly SoakSample[], sampleEverySeconds: number): [number, number][] {
  const byMinute = new Map<number, { floor: number; count: number }>();
  for (const s of samples) {
    const minute = Math.floor(s.atS / 60);
    const bucket = byMinute.get(minute) ?? { floor: Infinity, count: 0 };
    byMinute.set(minute, { floor: Math.min(bucket.floor, s.heapUsedMiB), count: bucket.count + 1 });
  }
  const needed = Math.max(2, Math.floor(60 / sampleEverySeconds / 2));
  return [...byMinute].filter(([, b]) => b.count >= needed).map(([minute, b]) => [minute, b.floor]);
}

const round = (x: number) => Math.round(x * 100) / 100;
