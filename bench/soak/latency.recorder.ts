import { percentiles, type Percentiles } from '../support/percentiles';

/** Request kinds the soak drives. */
export type RequestKind = 'write' | 'customer360' | 'rfm' | 'ltv';
export const REQUEST_KINDS: readonly RequestKind[] = ['write', 'customer360', 'rfm', 'ltv'];

export interface KindSummary {
  readonly requests: number;
  readonly statuses: Record<string, number>;
  /** 5xx answers and transport errors (status 0). */
  readonly errors: number;
  readonly latencyMs: Percentiles;
}

/**
 * Latencies and statuses per kind, over the whole run and over the current sampling window (reset by
 * `takeWindow`), so both the totals and their evolution over time are reported.
 */
export class LatencyRecorder {
  private readonly total = new Map<RequestKind, { ms: number[]; statuses: Record<string, number> }>();
  private window = new Map<RequestKind, number[]>();
  firstError: string | undefined;

  record(kind: RequestKind, ms: number, status: number, detail?: string): void {
    let all = this.total.get(kind);
    if (!all) this.total.set(kind, (all = { ms: [], statuses: {} }));
    all.ms.push(ms);
    all.statuses[status] = (all.statuses[status] ?? 0) + 1;
    let win = this.window.get(kind);
    if (!win) this.window.set(kind, (win = []));
    win.push(ms);
    if ((status === 0 || status >= 500) && detail) this.firstError ??= `${kind} HTTP ${status}: ${detail}`;
  }

  /** p50/p99 per kind since the previous call. */
  takeWindow(): Partial<Record<RequestKind, { count: number; p50: number; p99: number }>> {
    const out: Partial<Record<RequestKind, { count: number; p50: number; p99: number }>> = {};
    for (const [kind, ms] of this.window) {
      const p = percentiles(ms);
      out[kind] = { count: p.count, p50: p.p50, p99: p.p99 };
    }
    this.window = new Map();
    return out;
  }

  summary(): Partial<Record<RequestKind, KindSummary>> {
    const out: Partial<Record<RequestKind, KindSummary>> = {};
    for (const [kind, { ms, statuses }] of this.total) {
      const errors = Object.entries(statuses)
        .filter(([status]) => Number(status) === 0 || Number(status) >= 500)
        .reduce((n, [, count]) => n + count, 0);
      out[kind] = { requests: ms.length, statuses, errors, latencyMs: percentiles([...ms]) };
    }
    return out;
  }
}
