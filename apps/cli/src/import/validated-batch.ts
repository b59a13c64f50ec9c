import type { SourcedEvent } from '@crm/analytics';
import { validatePublishBody, type ValidationOutcome } from '@crm/ingest';

/**
 * A batch of parsed events after the write path's validation (`@crm/ingest`'s validatePublishBody, the
 * contract of POST /v1/events), with where each event came from. Indexes of the validation's events and
 * errors are positions in the batch, hence in `lines`.
 */
export interface ValidatedBatch {
  /** Line of the source of each event of the batch, by position. */
  readonly lines: readonly number[];
  /** Bytes of the source behind the batch's last line. */
  readonly bytesRead: number;
  readonly validation: ValidationOutcome;
}

/** The validated batches of an import, with a way to end them early (see importBatches). */
export interface ImportBatches extends AsyncIterable<ValidatedBatch> {
  /** Ends the parse thread, if any, when the batches were not (fully) iterated. Idempotent. */
  stop(): Promise<void>;
  /** The parse thread's CPU time over its batches (ms; Linux), when there is one and it finished. */
  threadCpuMs(): number | undefined;
}

/** The publish body of a batch of parsed events, validated as POST /v1/events validates a batch. */
function validateBatch(batch: readonly SourcedEvent[], batchSize: number): ValidatedBatch {
  return {
    lines: batch.map((s) => s.lineNumber),
    bytesRead: batch[batch.length - 1].bytesRead,
    validation: validatePublishBody({ events: batch.map((s) => s.event) }, { maxEvents: batchSize }),
  };
}

/**
 * Parsed events in batches of `batchSize`, each validated by the write path's validatePublishBody (at
 * most `batchSize` events a batch). A parser error ends the iteration where it occurs: the partial batch
 * before it is not yielded (as an import that stops at a bad line appends nothing of the batch that held it).
 */
export async function* validatedBatches(
  events: AsyncIterable<SourcedEvent>,
  batchSize: number,
): AsyncGenerator<ValidatedBatch> {
  let batch: SourcedEvent[] = [];
  for await (const sourced of events) {
    batch.push(sourced);
    if (batch.length >= batchSize) {
      yield validateBatch(batch, batchSize);
      batch = [];
    }
  }
  if (batch.length > 0) yield validateBatch(batch, batchSize);
}
