import type { RecordedEvent } from '@crm/event-store';
import { AnalyticsProjector } from '../projector/analytics.projector';
import { openTestAnalytics, type TestAnalytics } from '../testing/analytics-test-database';

/**
 * A fresh embedded store holding a hand-made history, projected the way the worker does. Every event is
 * delivered twice (the second time in small batches, newest first), so each answer's test also shows that
 * the answer reads deduplicated data.
 */
export async function openProjectedStore(
  label: string,
  events: readonly RecordedEvent[],
): Promise<TestAnalytics> {
  const db = await openTestAnalytics(label);
  const projector = new AnalyticsProjector(db.ch);
  await projector.apply(events);
  const reversed = [...events].reverse();
  for (let i = 0; i < reversed.length; i += 7) await projector.apply(reversed.slice(i, i + 7));
  return db;
}
