/** Errors of the event store port, with stable codes the API maps to HTTP in its one exception filter. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'REVISION_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expected: string,
    /** -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`Stream ${streamId}: expected revision ${expected}, actual ${actual < 0 ? 'no stream' : actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** Some, but not all, of an append's event ids are already in the stream: not a clean retry. */
export class PartialDuplicateAppendError extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly streamId: string,
    readonly duplicateEventIds: readonly string[],
  ) {
    super(
      `Stream ${streamId}: events ${duplicateEventIds.join(', ')} were already appended with a different batch`,
    );
    this.name = 'PartialDuplicateAppendError';
  }
}

/** The store cannot be reached (API answers 503 with Retry-After). */
export class EventStoreUnavailableError extends Error {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(cause: unknown) {
    super('The event store is unavailable', { cause });
    this.name = 'EventStoreUnavailableError';
  }
}
