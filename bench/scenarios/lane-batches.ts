import { laneOf, type PublishedEvent } from '@crm/generator';

/** One POST /v1/events body and the events it carries. */
export interface LaneBatch {
  readonly body: string;
  readonly count: number;
}

/**
 * The first `maxEvents` of `events` as request bodies of `batchSize` events on `lanes` lanes: customers are
 * partitioned over the lanes, so a lane sending its batches in order sends each customer's events in order
 * and every request is valid under the lifecycle rules.
 */
export function laneBatches(
  events: Iterable<PublishedEvent>,
  lanes: number,
  batchSize: number,
  maxEvents: number,
): { readonly prepared: number; readonly bodies: LaneBatch[][] } {
  const laneEvents: PublishedEvent[][] = Array.from({ length: lanes }, () => []);
  let prepared = 0;
  for (const event of events) {
    laneEvents[laneOf(event.customerId, lanes)].push(event);
    if (++prepared >= maxEvents) break;
  }
  const bodies = laneEvents.map((laneOfEvents) => {
    const batches: LaneBatch[] = [];
    for (let i = 0; i < laneOfEvents.length; i += batchSize) {
      const batch = laneOfEvents.slice(i, i + batchSize);
      batches.push({ body: JSON.stringify({ events: batch }), count: batch.length });
    }
    return batches;
  });
  return { prepared, bodies };
}
