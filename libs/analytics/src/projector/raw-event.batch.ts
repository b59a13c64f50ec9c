import { randomBytes } from 'node:crypto';
import type { RecordedEvent } from '@crm/event-store';
import { MAPPING_SETTINGS, RAW_EVENT_STRUCTURE } from './event-row.sql';

/**
 * A batch of recorded events as a table expression of raw events (RAW_EVENT_STRUCTURE), for the SQL
 * mapping: `format(JSONEachRow, '<structure>', $tag$<one JSON line per event>$tag$)`. The data travels in
 * the statement's text (the same on the HTTP server and on the embedded engine, where query parameters
 * would go into the URL); a heredoc literal takes it verbatim, under a tag the data cannot contain.
 *
 * The events are already opened (personal data back in `data.profile`) and upcast: `personal` is '{}'.
 */
export function rawEventsSource(events: readonly RecordedEvent[]): string {
  const lines = events.map((event) =>
    JSON.stringify({
      global_position: event.globalPosition.toString(),
      stream_id: event.streamId,
      stream_revision: event.streamRevision,
      event_id: event.eventId,
      type: event.type,
      occurred_at: event.occurredAt,
      recorded_at: event.recordedAt,
      data: JSON.stringify(event.data ?? {}),
      metadata: JSON.stringify(event.metadata ?? {}),
      personal: '{}',
    }),
  );
  const body = lines.join('\n');
  let tag = 'rows';
  while (body.includes(`$${tag}$`)) tag = `rows${randomBytes(4).toString('hex')}`;
  return `format(JSONEachRow, '${RAW_EVENT_STRUCTURE}', $${tag}$${body}$${tag}$)`;
}

/** Statement settings for a batch in the statement's text (the parser's limit is 256 KiB by default). */
export const RAW_BATCH_SETTINGS = { ...MAPPING_SETTINGS, max_query_size: String(1 << 30) } as const;
