/**
 * Errors the read model raises. The API maps the query errors to 400 problem details; the projector errors
 * stop the projection (a poison batch must be looked at, not skipped: skipping would make results inexact).
 */
export class ReadModelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An event arrived whose revision is beyond the next expected one: events in between were lost. */
export class StreamGapError extends ReadModelError {
  constructor(
    readonly streamId: string,
    readonly expectedRevision: number,
    readonly actualRevision: number,
  ) {
    super(
      'read_model.stream_gap',
      `Stream ${streamId}: expected revision ${expectedRevision} next, got ${actualRevision}; ` +
        'events are missing (rebuild the projection from the event store)',
    );
  }
}

/** An event of a known type whose data cannot be applied (for example a non-integer amount). */
export class MalformedEventError extends ReadModelError {
  constructor(
    readonly eventId: string,
    detail: string,
  ) {
    super('read_model.malformed_event', `Event ${eventId}: ${detail}`);
  }
}

/** A list query the read model cannot answer as asked (bad limit, foreign or corrupt cursor). */
export class InvalidListQueryError extends ReadModelError {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super('read_model.invalid_list_query', `${field}: ${detail}`);
  }
}
