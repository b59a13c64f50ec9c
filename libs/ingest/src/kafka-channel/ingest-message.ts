import type { IngestProblem } from '../validation/ingest-problem';
import type { ValidPublishedEvent } from '../validation/published-event.validator';

/** One record of the ingest topic, as the channel sees it (kafkajs-free, so the logic tests without a broker). */
export interface IngestMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key?: string;
  readonly value?: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Broker timestamp, milliseconds since the epoch as kafkajs gives it. */
  readonly timestamp?: string;
}

/** Why a message was refused: the problem's code, its per-field errors (same shapes as the HTTP API's). */
export interface RejectionReason {
  /** VALIDATION_FAILED, MALFORMED_JSON, KEY_MISMATCH, or a lifecycle rule's code (CUSTOMER_NOT_ACQUIRED...). */
  readonly code: string;
  readonly message: string;
  readonly errors: readonly IngestProblem[];
}

/** A message after parsing and validation: an event ready to publish, or the reason it was refused. */
export type ParsedIngestMessage =
  | { readonly ok: true; readonly event: ValidPublishedEvent }
  | { readonly ok: false; readonly reason: RejectionReason };

/** Headers a producer may set instead of the event's own metadata (the event's fields win). */
export const INGEST_HEADERS = {
  correlationId: 'x-correlation-id',
  source: 'x-source',
} as const;
