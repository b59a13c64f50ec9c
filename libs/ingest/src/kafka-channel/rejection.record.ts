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
  /** Set when the value was cut to its first MAX_KEPT_VALUE_BYTES bytes (see valueBytes). */
  readonly valueTruncated?: true;
  /** Size of the refused value in bytes. */
  readonly valueBytes: number;
  readonly rejectedAt: string;
}

/**
 * Most bytes of a refused value kept in its rejection: a value near the broker's message size limit would
 * make a rejection record that cannot be produced, and the partition would retry it for ever.
 */
export const MAX_KEPT_VALUE_BYTES = 256 * 1024;

/** Header of a rejection record carrying its code, for consumers that route without parsing the value. */
export const REJECTION_CODE_HEADER = 'x-rejection-code';

/** The record published to the rejections topic for a refused message: same key, the original headers. */
export function toRejectionRecord(
  message: IngestMessage,
  reason: RejectionReason,
  now: Date = new Date(),
): { key: string | null; value: string; headers: Record<string, string> } {
  const bytes = message.value?.subarray(0, MAX_KEPT_VALUE_BYTES);
  const truncated = (message.value?.length ?? 0) > MAX_KEPT_VALUE_BYTES;
  const text = bytes?.toString('utf8');
  // Bytes that are not UTF-8 (a cut inside a sequence included) go as base64, so the record stays exact.
  const isText = text !== undefined && Buffer.from(text, 'utf8').equals(bytes as Buffer);
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
    value: bytes === undefined ? null : isText ? text : bytes.toString('base64'),
    valueEncoding: bytes === undefined || isText ? 'utf8' : 'base64',
    ...(truncated ? { valueTruncated: true as const } : {}),
    valueBytes: message.value?.length ?? 0,
    rejectedAt: now.toISOString(),
  };
  return {
    key: message.key ?? null,
    value: JSON.stringify(record),
    headers: { ...message.headers, [REJECTION_CODE_HEADER]: reason.code },
  };
}
