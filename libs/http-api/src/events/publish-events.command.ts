import type { ValidPublishedEvent } from './published-event.validator';

export class PublishEventsCommand {
  constructor(
    readonly events: readonly ValidPublishedEvent[],
    /** Correlation id of the HTTP request, used when an event carries none. */
    readonly correlationId: string,
  ) {}
}

export interface PublishedEventResult {
  readonly index: number;
  readonly eventId: string;
  readonly customerId: string;
  readonly type: string;
  readonly streamRevision: number;
  readonly globalPosition: bigint;
}

/** A customer whose events were not appended although the batch was valid (the others stand). */
export interface CustomerFailure {
  readonly customerId: string;
  readonly indexes: readonly number[];
  readonly status: 409 | 422;
  readonly code: string;
  readonly message: string;
  readonly actualRevision?: number;
}

export interface PublishOutcome {
  readonly results: readonly PublishedEventResult[];
  readonly failures: readonly CustomerFailure[];
}
