import { readFileSync } from 'node:fs';
import type { LatencyRecorder, RequestKind } from './latency.recorder';
import type { LoadCounters } from './soak-load';

/** One sample of the server: memory (from /metrics and /proc), pipeline lag, and the window's latencies. */
export interface SoakSample {
  readonly atS: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  /** RSS read by the soak from /proc/<pid>/status, as a cross-check of the server's own figure. */
  readonly procRssMiB: number | null;
  readonly eventLoopLagP99Ms: number | null;
  /** Events behind the store's head, per pipeline stage (relay, projections). */
  readonly lagEvents: Record<string, number>;
  readonly lagMs: Record<string, number>;
  readonly eventsAccepted: number;
  readonly window: Partial<Record<RequestKind, { count: number; p50: number; p99: number }>>;
}

const MiB = 1024 * 1024;

export class SoakSampler {
  readonly samples: SoakSample[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly pid: number,
  ) {}

  async sample(atS: number, recorder: LatencyRecorder, counters: LoadCounters): Promise<SoakSample> {
    const [metrics, pipeline] = await Promise.all([this.metrics(), this.pipeline()]);
    const sample: SoakSample = {
      atS: Math.round(atS),
      rssMiB: round((metrics.get('crm_process_resident_memory_bytes') ?? NaN) / MiB),
      heapUsedMiB: round((metrics.get('crm_nodejs_heap_size_used_bytes') ?? NaN) / MiB),
      heapTotalMiB: round((metrics.get('crm_nodejs_heap_size_total_bytes') ?? NaN) / MiB),
      procRssMiB: procRss(this.pid),
      eventLoopLagP99Ms: metrics.has('crm_nodejs_eventloop_lag_p99_seconds')
        ? round(metrics.get('crm_nodejs_eventloop_lag_p99_seconds')! * 1000)
        : null,
      lagEvents: Object.fromEntries(pipeline.map((s) => [s.name, s.lagEvents])),
      lagMs: Object.fromEntries(pipeline.map((s) => [s.name, s.lagMs])),
      eventsAccepted: counters.eventsAccepted,
      window: recorder.takeWindow(),
    };
    this.samples.push(sample);
    return sample;
  }

  /**
   * Lag of every stage: the relay and projections from /v1/admin/pipeline, plus the projections only
   * /v1/admin/projections lists (the analytics projector).
   */
  async pipeline(): Promise<{ name: string; lagEvents: number; lagMs: number }[]> {
    type Stage = { name: string; lagEvents: number; lagMs: number };
    const [pipeline, projections] = (await Promise.all([
      this.getJson('/v1/admin/pipeline'),
      this.getJson('/v1/admin/projections'),
    ])) as [{ stages: Stage[] }, { projections: Stage[] }];
    const known = new Set(pipeline.stages.map((stage) => stage.name));
    return [...pipeline.stages, ...projections.projections.filter((p) => !known.has(p.name))].map(
      ({ name, lagEvents, lagMs }) => ({ name, lagEvents, lagMs }),
    );
  }

  /** Unlabelled gauges of the Prometheus text format (the process and Node.js ones are unlabelled). */
  private async metrics(): Promise<Map<string, number>> {
    const response = await fetch(`${this.baseUrl}/metrics`, { headers: this.auth() });
    if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
    const values = new Map<string, number>();
    for (const line of (await response.text()).split('\n')) {
      const match = /^([a-zA-Z0-9_:]+) ([-+0-9.eE]+|NaN)$/.exec(line);
      if (match) values.set(match[1], Number(match[2]));
    }
    return values;
  }

  private async getJson(path: string): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, { headers: this.auth() });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return response.json();
  }

  private auth() {
    return { authorization: `Bearer ${this.apiKey}` };
  }
}

function procRss(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? round(Number(match[1]) / 1024) : null;
  } catch {
    return null; // not Linux, or the process is gone
  }
}

const round = (x: number) => Math.round(x * 10) / 10;
