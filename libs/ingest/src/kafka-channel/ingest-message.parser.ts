import type { IngestProblem } from '../validation/ingest-problem';
import type { ValidationOutcome } from '../validation/published-event.validator';
import { INGEST_HEADERS, type IngestMessage, type ParsedIngestMessage } from './ingest-message';

/** Validates one event with eventId required (EventIngestor.validateEvent). */
export type ValidateEvent = (raw: unknown) => ValidationOutcome;

/**
 * Parses and validates one ingest message: its value must be the JSON of one event of POST /v1/events with
 * an eventId, and its key the event's customerId (the key picks the partition, and one partition per
 * customer is what keeps a customer's events in order). Metadata the event does not carry comes from the
 * headers; a correlation id defaults to the message's coordinates, so every event can be traced to it.
 */
export function parseIngestMessage(message: IngestMessage, validate: ValidateEvent): ParsedIngestMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return reject('MALFORMED_JSON', `The message value is not valid JSON: ${detail}`, [
      { path: '$', code: 'MALFORMED_JSON', message: detail },
    ]);
  }
  const outcome = validate(raw);
  if (!outcome.ok) {
    return reject(
      'VALIDATION_FAILED',
      `${outcome.errors.length} problem(s); nothing was appended`,
      outcome.errors,
    );
  }
  const event = outcome.events[0];
  if (message.key !== event.customerId) {
    const problem = {
      customerId: event.customerId,
      eventId: event.eventId,
      path: '$.customerId',
      code: 'KEY_MISMATCH',
      message:
        message.key === undefined
          ? "the message has no key; key it by customerId so the customer's events stay in order"
          : `the message key ${JSON.stringify(message.key)} is not the event's customerId`,
    };
    return reject('KEY_MISMATCH', problem.message, [problem]);
  }
  const correlationId =
    event.metadata.correlationId ||
    message.headers[INGEST_HEADERS.correlationId] ||
    `kafka:${message.topic}:${message.partition}:${message.offset}`;
  const source = event.metadata.source || message.headers[INGEST_HEADERS.source];
  return {
    ok: true,
    event: { ...event, metadata: { ...event.metadata, correlationId, ...(source ? { source } : {}) } },
  };
}

const reject = (code: string, message: string, errors: readonly IngestProblem[]): ParsedIngestMessage => ({
  ok: false,
  reason: { code, message, errors },
});
