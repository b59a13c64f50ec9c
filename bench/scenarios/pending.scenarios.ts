import type { Scenario, ScenarioResult } from '../bench-result';

/**
 * Scenarios of issue 6 that need parts not built yet. They are listed so the table shows the gap; each says
 * what it needs. No number is printed until it is measured.
 */
const PENDING: readonly (Omit<ScenarioResult, 'samples'> & { pending: string })[] = [
  {
    id: 'rebuild-clickhouse',
    title: 'ClickHouse projection rebuild from the store',
    unit: 'events/s',
    target: { value: 200_000, atLeast: true },
    pending: 'a ClickHouse rebuild path (`crm replay`, issue 5) over the analytics projector (issue 4)',
  },
  {
    id: 'analytics-rfm-1m',
    title: 'RFM segments at 1M customers / 10M events',
    unit: 'ms',
    target: { value: 1000, atLeast: false },
    pending: 'the analytics endpoints and ClickHouse loaded at 1M customers (issue 4)',
  },
  {
    id: 'analytics-clv-1m',
    title: 'CLV summary and fit at 1M customers / 10M events',
    unit: 'ms',
    target: { value: 5000, atLeast: false },
    pending: 'the analytics endpoints and ClickHouse loaded at 1M customers (issue 4)',
  },
  {
    id: 'analytics-cohorts-1m',
    title: 'Cohorts at 1M customers / 10M events',
    unit: 'ms',
    pending: 'the analytics endpoints and ClickHouse loaded at 1M customers (issue 4)',
  },
];

export function pendingScenarios(): Scenario {
  return {
    group: 'pending',
    run: async () => PENDING.map((p) => ({ ...p, samples: [] })),
  };
}
