import type { IngestMessage, RejectionReason } from './ingest-message';

/** The JSON value of a record on the rejections topic (README "Publish through Kafka" documents it). */
export interface RejectionRecord {
  readonly code: string;
  readonly message: string;
  /** Per-field problems: `path` from the event's root (`$.data.amount.minor`), each with its own code. */
  readonly errors: readonly {
    readonly path?: string;
    readonly code: string;
    readonly message: string;
    readonly customerId?: string;
    readonly eventId?: string;
  }[];
  /** Where the refused message was: a redelivery after a crash may repeat a rejection, these identify it. */
  readonly source: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: string;
    readonly key: string | null;
    readonly timestamp?: string;
  };
  /** The refused message's value: its text (`utf8`), or its bytes in base64 when it is not UTF-8. */
  readonly value: string | null;
  readonly valueEncoding: 'utf8' | 'base64';
  readonly rejectedAt: string;
}

/** Header of a rejection record carrying its code, for consumers that route without parsing the value. */
export const REJECTION_CODE_HEADER = 'x-rejection-code';

/** The record published to the rejections topic for a refused message: same key, the original headers. */
export function toRejectionRecord(
  message: IngestMessage,
  reason: RejectionReason,
  now: Date = new Date(),
): { key: string | null; value: string; headers: Record<string, string> } {
  const text = message.value?.toString('utf8');
  const isText = text !== undefined && Buffer.from(text, 'utf8').equals(message.value as Buffer);
  const record: RejectionRecord = {
    code: reason.code,
    message: reason.message,
    errors: reason.errors.map(({ index: _index, ...problem }) => problem),
    source: {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key ?? null,
      ...(message.timestamp ? { timestamp: message.timestamp } : {}),
    },
    value: message.value === undefined ? null : isText ? text : message.value.toString('base64'),
    valueEncoding: message.value === undefined || isText ? 'utf8' : 'base64',
    rejectedAt: now.toISOString(),
  };
  return {
    key: message.key ?? null,
    value: JSON.stringify(record),
    headers: { ...message.headers, [REJECTION_CODE_HEADER]: reason.code },
  };
}
