/**
 * The event store port. Adapters: `sqlite/` (embedded default) and `esdb/` (EventStoreDB). Both pass the
 * one contract suite in `testing/event-store.contract.ts`.
 *
 * Positions are bigint (EventStoreDB commit positions exceed 2^53); stream revisions are numbers
 * (0-based, the first event of a stream is revision 0).
 */

export interface EventMetadata {
  /** The publishing service. */
  readonly source?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Version of the event's `data` shape; upcasters turn old versions into the current one on read. */
  readonly schemaVersion: number;
  readonly [key: string]: unknown;
}

export interface EventToAppend {
  /** UUID; the idempotency key. */
  readonly eventId: string;
  readonly type: string;
  /** Business time, ISO 8601 UTC. */
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent extends EventToAppend {
  readonly streamId: string;
  readonly streamRevision: number;
  readonly globalPosition: bigint;
  /** Append time, ISO 8601 UTC with milliseconds, set by the store. */
  readonly recordedAt: string;
}

/**
 * What the appender believes about the stream: anything, nothing there yet, something there, or exactly this
 * (the revision of its last event). Adapters accept -1 as a synonym of 'no_stream'.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendedEvent {
  readonly eventId: string;
  readonly streamRevision: number;
  readonly globalPosition: bigint;
}

export interface AppendResult {
  /**
   * Revision of the last event now in the stream: the expected revision for the next append. On an
   * idempotent replay: the revision of the last replayed event (as originally returned).
   */
  readonly nextExpectedRevision: number;
  /** Global position of the last appended event. */
  readonly position: bigint;
  /** One entry per event of the append, in order. */
  readonly events: readonly AppendedEvent[];
  /** True when every event id was already in the stream: nothing was appended, the original result is returned. */
  readonly idempotentReplay: boolean;
}

/** One stream's part of an appendToStreams call: what appendToStream takes, as one value. */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  /** As appendToStream's option; default 'any'. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). Default 0. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
  /**
   * Stop at a point in time or position (all inclusive): events after it are not returned. occurredAt is
   * business time and need not increase along a stream, so it filters (a later revision with an earlier
   * occurredAt is still returned) and compares instants, whatever the offset notation.
   */
  readonly until?: {
    readonly occurredAt?: string;
    readonly recordedAt?: string;
    readonly position?: bigint;
  };
}

/** One stream of a readStreams call. */
export interface StreamRead {
  readonly streamId: string;
  /** First revision to return (inclusive). Default 0. */
  readonly fromRevision?: number;
}

export interface ReadAllOptions {
  /** Exclusive: return events strictly after this global position. Absent: from the very start. */
  readonly after?: bigint;
  /** Batch size. Default 1,000. */
  readonly maxCount?: number;
  /** Only streams whose id starts with this (for example `customer-`). */
  readonly streamPrefix?: string;
}

export interface CountAllOptions {
  /** Exclusive, as in ReadAllOptions. Absent: from the very start. */
  readonly after?: bigint;
  /** Only streams whose id starts with this, as in ReadAllOptions. */
  readonly streamPrefix?: string;
}

/** What a stage has not handled yet: how many events follow its position, and how old the first of them is. */
export interface EventsAfter {
  /** Events after the position (of the prefix's streams), up to the head. */
  readonly count: number;
  /**
   * True when the adapter stopped counting before the head: there are at least `count`. SQLite counts
   * exactly (never true); EventStoreDB has no count and stops at its configured cap (see EsdbEventStore).
   */
  readonly atLeast: boolean;
  /** recordedAt of the first of them; null when there are none. */
  readonly firstRecordedAt: string | null;
}

export interface SubscribeOptions {
  /** Exclusive, as in ReadAllOptions. */
  readonly after?: bigint;
  readonly streamPrefix?: string;
}

/**
 * A live subscription to the global order: first the history after the given position, then every
 * append made later, without gaps or duplicates within one subscription.
 */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  /** Appends atomically to one stream. Throws WrongExpectedRevisionError on a revision mismatch. */
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;

  /**
   * Appends to several streams in one call: the bulk path for loaders (the generator, imports), where one
   * transaction per stream is what bounds the embedded store. Returns one result per append, in order.
   *
   * Each append follows appendToStream's rules for its stream (input checks, idempotency by event id,
   * then the expected revision; PartialDuplicateAppendError, WrongExpectedRevisionError), and the appends
   * are applied in order: the same stream may appear more than once, and a later append sees what an
   * earlier one of the call appended (its expected revision counts them; a repeat of the same events is an
   * idempotent replay). Input checks cover every append before anything is written. No appends: [].
   *
   * Atomicity depends on the adapter:
   * - SQLite: the whole call is ONE transaction, all or nothing: any failure throws and nothing of the
   *   call is written (nor are subscribers woken).
   * - EventStoreDB has no multi-stream transaction: it appends stream by stream, in order, each append
   *   atomic as through appendToStream, and a failure throws leaving the earlier appends of the call
   *   written. Retrying the whole call is safe (those replay idempotently). Callers that need all or
   *   nothing across streams must use the embedded store, or one stream per call.
   * Through createEventStore's crypto-shredding, a destroyed key of any subject the call carries personal
   * data for refuses the whole call (DataKeyDestroyedError) before either adapter writes anything.
   */
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]>;

  /** Reads a stream forwards. A stream that does not exist reads as empty. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * Reads several streams forwards in one call: one entry per read, in the order given, each exactly what
   * readStream(streamId, { fromRevision }) returns (a missing stream reads as empty; a stream may be asked
   * for twice). For the write path, which needs the state of every customer of a batch before deciding:
   * the embedded store answers the whole call with one query instead of one per stream.
   */
  readStreams(reads: readonly StreamRead[]): Promise<RecordedEvent[][]>;

  /** Reads a batch of events in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /**
   * Counts the events readAll would return after a position, without reading them: the pipeline's lag,
   * asked on every status call, health check and metrics scrape, so it must stay cheap however far a stage
   * is behind (SQLite: a count over the position index). Decorators pass it through: they map events one to
   * one, so counts and positions are the inner store's.
   */
  countAll(options?: CountAllOptions): Promise<EventsAfter>;

  subscribeToAll(options?: SubscribeOptions): AllSubscription;

  /** Global position of the newest event (0n when empty): lag is measured against it. */
  headPosition(): Promise<bigint>;

  /** Cheap liveness probe for health checks. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');
