import type { Scenario, ScenarioResult } from '../bench-result';

/**
 * Scenarios of issue 6 that need parts not built yet. They are listed so the table shows the gap; each says
 * what it needs. No number is printed until it is measured.
 */
const PENDING: readonly (Omit<ScenarioResult, 'samples'> & { pending: string })[] = [
  {
    id: 'end-to-end-lag',
    title: 'End-to-end lag: publish -> read model and analytics, p50/p99 under ingest load',
    unit: 'ms',
    pending: 'the worker running relay -> bus -> read-model and analytics projectors (apps/worker main)',
  },
  {
    id: 'rebuild-throughput',
    title: 'Projection rebuild throughput from the event store',
    unit: 'events/s',
    pending: '`crm replay` (resumable rebuild with swap)',
  },
  {
    id: 'analytics-latency',
    title: 'Analytics endpoints latency (RFM, cohorts, CLV) on 10M events',
    unit: 'ms',
    pending: 'libs/analytics queries, the ClickHouse projector and GET /v1/analytics/...',
  },
  {
    id: 'customer-360-latency',
    title: 'Customer 360 latency under ingest load, p50/p99',
    unit: 'ms',
    pending: 'the read-model projector fed by the worker during ingest',
  },
  {
    id: 'worker-peak-memory',
    title: 'Worker peak RSS during a 10M-event rebuild',
    unit: 'MiB',
    pending: '`crm replay` and the worker projectors',
  },
];

export function pendingScenarios(): Scenario {
  return {
    group: 'pending',
    run: async () => PENDING.map((p) => ({ ...p, samples: [] })),
  };
}
