import type { CustomerStreamState } from '../streams/customer-stream.repository';
import type { IngestProblem } from '../validation/ingest-problem';
import type { ValidPublishedEvent } from '../validation/published-event.validator';

/** Who publishes: used for the events that carry no metadata of their own. */
export interface PublishContext {
  /** Correlation id of the request or import, used when an event carries none. */
  readonly correlationId: string;
}

export interface PublishOptions {
  /**
   * A batch without conflicts goes to the store as appendToStreams calls of about this many events (the
   * embedded store makes each call one transaction). Default: the whole batch in one call. Bulk loaders
   * (the generator) set it to bound how long one call holds the store's write lock.
   */
  readonly eventsPerCall?: number;
  /**
   * The customers' streams as the caller just loaded them (EventIngestor.streams.loadMany), by customer id:
   * a caller that needed the states first (the importer asks which customers exist) saves reading them
   * again. Customers missing from it are loaded as usual. A state that fell behind meanwhile is caught by
   * the expected revision at append, like a stale cache entry.
   */
  readonly loaded?: ReadonlyMap<string, CustomerStreamState>;
  /**
   * Events decided between two yields to the event loop (default 32); a batch of at most this many is
   * decided in one go. `Infinity`: never yield (a caller alone on its loop, e.g. a bulk import's worker).
   */
  readonly sliceEvents?: number;
}

/** One appended (or idempotently replayed) event, decider-emitted ones such as CustomerReactivated included. */
export interface PublishedEventResult {
  /** Position of the published event in the batch that caused this one. */
  readonly index: number;
  readonly eventId: string;
  readonly customerId: string;
  readonly type: string;
  readonly streamRevision: number;
  readonly globalPosition: bigint;
}

/**
 * A customer whose events were not appended although the batch was valid (the other customers stand):
 * `REVISION_CONFLICT` (the publisher's expectedRevision, or retries exhausted), or a lifecycle rule that
 * only broke after the stream moved under a retry (the rule's own code).
 */
export interface CustomerFailure {
  readonly customerId: string;
  readonly indexes: readonly number[];
  readonly kind: 'conflict' | 'rule';
  readonly code: string;
  readonly message: string;
  readonly actualRevision?: number;
}

/**
 * What publishing a validated batch came to:
 * - `appended`: every customer was decided; each was appended (or replayed) unless it is in `failures`.
 * - `rejected`: some events break lifecycle rules against their customer's current state; nothing of the
 *   batch was appended. `problems` lists each one (index, customerId, code, path of the field at fault).
 */
export type PublishOutcome =
  | {
      readonly kind: 'appended';
      readonly results: readonly PublishedEventResult[];
      readonly failures: readonly CustomerFailure[];
    }
  | { readonly kind: 'rejected'; readonly problems: readonly IngestProblem[] };

export type { ValidPublishedEvent };
