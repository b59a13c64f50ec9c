import Database from 'better-sqlite3';
import {
  assertExpectedRevision,
  assertValidAppend,
  normalizeExpectedRevision,
  parseInstant,
  replayIfDuplicate,
} from '../append.rules';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../event-store.errors';
import type {
  AllSubscription,
  AppendedEvent,
  AppendResult,
  CountAllOptions,
  EventStore,
  EventsAfter,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamRead,
  SubscribeOptions,
} from '../event-store.port';
import { SqliteAllSubscription } from './sqlite-all.subscription';
import { SqliteEventsCounter } from './sqlite-events.counter';
import { eventKey } from './event-key';
import {
  EVENT_COLUMNS,
  type EventRow,
  isBusy,
  isRevisionConflict,
  prepareSchema,
  toRecordedEvent,
} from './sqlite.schema';

export interface SqliteEventStoreOptions {
  /**
   * FULL (default): in WAL mode every commit fsyncs the WAL before appendToStream resolves, so an
   * acknowledged append survives an OS crash or power loss. NORMAL skips that fsync: the commit is in the
   * WAL file (the OS page cache), which a crash or kill -9 of the process cannot lose and which never
   * corrupts the file, but an OS crash or power loss can roll back the last few acknowledged transactions.
   * Group commit (see SqliteEventStore) shares one commit, so one fsync, among concurrent appends.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another process's write lock before giving up (EventStoreUnavailableError). */
  busyTimeoutMs?: number;
  /** How often idle subscriptions look for appends made by other processes. */
  pollIntervalMs?: number;
  /** Rows per read while a subscription catches up. */
  subscriptionBatchSize?: number;
  /**
   * Called after each group commit succeeds, before any of its callers is answered: how many appends
   * (calls) and events it carried and how long the transaction held the event loop. For tests and
   * benchmarks (group sizes, commits per append).
   */
  onCommit?: (commit: GroupCommit) => void;
}

export interface GroupCommit {
  /** appendToStream/appendToStreams calls in the transaction, failed members included. */
  readonly calls: number;
  /** Events written (idempotent replays and failed members write none). */
  readonly events: number;
  /** BEGIN IMMEDIATE to COMMIT (the fsync included under FULL), in milliseconds. */
  readonly ms: number;
}

interface AppendCommand {
  streamId: string;
  events: readonly EventToAppend[];
  occurredAtMs: readonly number[];
  expected: ExpectedRevision;
  recordedAt: string;
}

interface IdRow {
  stream_revision: bigint;
  global_position: bigint;
}

/** One appendToStream/appendToStreams call waiting for the next group commit. */
interface PendingCall {
  readonly commands: readonly AppendCommand[];
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
}

type CallOutcome = { readonly results: AppendResult[] } | { readonly error: unknown };

const NO_LIMIT = -1;

/**
 * The embedded event store: one SQLite file (WAL mode) through better-sqlite3.
 *
 * Group commit: the appends of one event-loop turn share one BEGIN IMMEDIATE transaction, so one commit
 * and, under synchronous FULL (the default), one fsync. A call is queued and its promise settles after the
 * transaction that carries it has committed (flushed): acknowledged means on disk. Calls are applied in
 * arrival order, each inside a savepoint: a call that fails (wrong expected revision, partial duplicate)
 * rolls back to its savepoint and fails alone while the others of the group commit; a later call sees
 * what an earlier one of the group appended, exactly as if they had run one after another. An error that
 * aborts the transaction itself (write lock not obtained, I/O error) fails every call of the group.
 *
 * BEGIN IMMEDIATE takes the file's write lock before any stream head is read, so the idempotency and
 * expected-revision checks and the inserts are atomic even across processes sharing the file (other
 * writers wait up to busyTimeoutMs). UNIQUE (stream_id, stream_revision) is the last line of defence and
 * maps to WrongExpectedRevisionError. appendToStreams is one call, all or nothing (one savepoint), which is
 * how bulk loaders put thousands of appends in one commit.
 *
 * The commit runs on the event loop (better-sqlite3 is synchronous): while it waits for the disk, new
 * requests queue up in the OS and all join the next group, which is what bounds the fsyncs per second.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<SqliteAllSubscription>();
  private readonly pollIntervalMs: number;
  private readonly subscriptionBatchSize: number;
  private readonly onCommit: ((commit: GroupCommit) => void) | undefined;
  private closed = false;
  private pending: PendingCall[] = [];
  private flushScheduled = false;

  private readonly selectStreamHead: Database.Statement<[string], bigint | null>;
  private readonly selectByEventId: Database.Statement<[number, string, string], IdRow>;
  private readonly insertEvent: Database.Statement<unknown[]>;
  private readonly selectStream: Database.Statement<[Record<string, unknown>], EventRow>;
  private readonly selectStreamFrom: Database.Statement<[string, bigint, bigint], EventRow>;
  private readonly selectStreams: Database.Statement<[string], EventRow & { read_index: bigint }>;
  private readonly selectAll: Database.Statement<[Record<string, unknown>], EventRow>;
  private readonly selectHeadPosition: Database.Statement<[], bigint | null>;
  private readonly selectOne: Database.Statement<[], number>;
  private readonly counter: SqliteEventsCounter;
  /** One call in a savepoint (nested in groupTransaction); `failed.index` names the append that threw. */
  private readonly callTransaction: Database.Transaction<
    (commands: readonly AppendCommand[], failed: { index: number }) => AppendResult[]
  >;
  private readonly groupTransaction: Database.Transaction<(calls: readonly PendingCall[]) => CallOutcome[]>;

  /** `filename` is a path, or `:memory:` for a private in-memory store (tests). */
  constructor(
    readonly filename: string,
    options: SqliteEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.subscriptionBatchSize = options.subscriptionBatchSize ?? 500;
    this.onCommit = options.onCommit;
    this.db = new Database(filename, { timeout: options.busyTimeoutMs ?? 5_000 });
    try {
      this.db.pragma('journal_mode = WAL'); // stays 'memory' for :memory:, which is fine
      this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      prepareSchema(this.db);

      this.selectStreamHead = this.db
        .prepare<[string], bigint | null>('SELECT MAX(stream_revision) FROM events WHERE stream_id = ?')
        .pluck()
        .safeIntegers();
      this.selectByEventId = this.db
        .prepare<[number, string, string], IdRow>(
          `SELECT stream_revision, global_position FROM events INDEXED BY events_event_key
           WHERE event_key = ? AND stream_id = ? AND event_id = ?`,
        )
        .safeIntegers();
      this.insertEvent = this.db
        .prepare(
          `INSERT INTO events (stream_id, stream_revision, event_id, event_key, type, occurred_at, occurred_at_ms,
                               recorded_at, data, metadata)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .safeIntegers();
      this.selectStream = this.db
        .prepare<[Record<string, unknown>], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events
           WHERE stream_id = @streamId AND stream_revision >= @fromRevision
             AND (@untilOccurredMs IS NULL OR occurred_at_ms <= @untilOccurredMs)
             AND (@untilRecordedAt IS NULL OR recorded_at <= @untilRecordedAt)
             AND (@untilPosition IS NULL OR global_position <= @untilPosition)
           ORDER BY stream_revision LIMIT @limit`,
        )
        .safeIntegers();
      // readStream without `until`, the write path's read: positional parameters. Binding the named ones
      // above from an object costs ten times the lookup of an empty stream.
      this.selectStreamFrom = this.db
        .prepare<[string, bigint, bigint], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events
           WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?`,
        )
        .safeIntegers();
      // readStreams: the reads as a JSON array of [streamId, fromRevision], each an index range search
      // (CROSS JOIN keeps the reads as the outer loop), rows tagged with their read's index.
      this.selectStreams = this.db
        .prepare<[string], EventRow & { read_index: bigint }>(
          `WITH reads AS (SELECT key AS read_index, value->>0 AS sid, value->>1 AS rev FROM json_each(?))
           SELECT reads.read_index, ${EVENT_COLUMNS} FROM reads CROSS JOIN events
             ON events.stream_id = reads.sid AND events.stream_revision >= reads.rev
           ORDER BY reads.read_index, events.stream_revision`,
        )
        .safeIntegers();
      this.selectAll = this.db
        .prepare<[Record<string, unknown>], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events
           WHERE global_position > @after
             AND (@prefix IS NULL OR substr(stream_id, 1, length(@prefix)) = @prefix)
           ORDER BY global_position LIMIT @limit`,
        )
        .safeIntegers();
      this.selectHeadPosition = this.db
        .prepare<[], bigint | null>('SELECT MAX(global_position) FROM events')
        .pluck()
        .safeIntegers();
      this.selectOne = this.db.prepare<[], number>('SELECT 1').pluck();
      this.counter = new SqliteEventsCounter(this.db);
      this.callTransaction = this.db.transaction(
        (commands: readonly AppendCommand[], failed: { index: number }) =>
          commands.map((command, index) => {
            failed.index = index;
            return this.appendInTransaction(command);
          }),
      );
      this.groupTransaction = this.db.transaction((calls: readonly PendingCall[]) =>
        calls.map((call) => this.applyCall(call)),
      );
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const occurredAtMs = assertValidAppend(streamId, events);
    const expected = normalizeExpectedRevision(options.expectedRevision);
    this.assertOpen();
    const recordedAt = new Date().toISOString();
    const [result] = await this.enqueue([{ streamId, events, occurredAtMs, expected, recordedAt }]);
    return result;
  }

  /**
   * One call, all or nothing, in the group commit of its turn: per event, an idempotency lookup and an
   * insert; per append, a head read. The first failing append rolls the whole call back (and only this
   * call). Each append reads what the earlier ones of the call inserted, so a stream may appear twice.
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    // Input checks for every append first: a malformed one fails the call before any SQL runs.
    const recordedAt = new Date().toISOString();
    const commands = appends.map(({ streamId, events, expectedRevision }): AppendCommand => ({
      streamId,
      events,
      occurredAtMs: assertValidAppend(streamId, events),
      expected: normalizeExpectedRevision(expectedRevision),
      recordedAt,
    }));
    this.assertOpen();
    if (commands.length === 0) return [];
    return this.enqueue(commands);
  }

  /** The PRAGMA synchronous of the write connection, as SQLite reports it (tests, diagnostics). */
  get synchronous(): 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA' {
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    return (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level];
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { until } = options;
    const limit = options.maxCount === undefined ? BigInt(NO_LIMIT) : BigInt(Math.max(0, options.maxCount));
    if (until === undefined) {
      return this.selectStreamFrom
        .all(streamId, BigInt(options.fromRevision ?? 0), limit)
        .map(toRecordedEvent);
    }
    const rows = this.selectStream.all({
      streamId,
      fromRevision: BigInt(options.fromRevision ?? 0),
      untilOccurredMs:
        until?.occurredAt === undefined ? null : BigInt(parseInstant(until.occurredAt, 'until.occurredAt')),
      untilRecordedAt:
        until?.recordedAt === undefined
          ? null
          : new Date(parseInstant(until.recordedAt, 'until.recordedAt')).toISOString(),
      untilPosition: until?.position ?? null,
      limit,
    });
    return rows.map(toRecordedEvent);
  }

  /** One query for every read of the call (see the port). */
  async readStreams(reads: readonly StreamRead[]): Promise<RecordedEvent[][]> {
    this.assertOpen();
    const results = reads.map((): RecordedEvent[] => []);
    if (reads.length === 0) return results;
    const rows = this.selectStreams.all(
      JSON.stringify(reads.map(({ streamId, fromRevision }) => [streamId, fromRevision ?? 0])),
    );
    for (const row of rows) results[Number(row.read_index)].push(toRecordedEvent(row));
    return results;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readBatch(options.after ?? 0n, options.streamPrefix, options.maxCount ?? 1_000);
  }

  async countAll(options: CountAllOptions = {}): Promise<EventsAfter> {
    this.assertOpen();
    return this.counter.countAfter(options);
  }

  subscribeToAll(options: SubscribeOptions = {}): AllSubscription {
    this.assertOpen();
    const subscription = new SqliteAllSubscription(
      {
        readBatch: (after, prefix, limit) => this.readBatch(after, prefix, limit),
        onNextAppend: (listener) => {
          this.appendListeners.add(listener);
          return () => this.appendListeners.delete(listener);
        },
      },
      {
        after: options.after,
        streamPrefix: options.streamPrefix,
        batchSize: this.subscriptionBatchSize,
        pollIntervalMs: this.pollIntervalMs,
        onClosed: (closed) => this.subscriptions.delete(closed),
      },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return this.selectHeadPosition.get() ?? 0n;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.selectOne.get();
  }

  /** Ends open subscriptions (their iteration completes), then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (this.closed) return;
    this.closed = true;
    this.flush(); // calls accepted before close are committed (and answered), not dropped
    this.db.close();
  }

  private enqueue(commands: readonly AppendCommand[]): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ commands, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // After this turn's I/O callbacks and microtasks: every caller that gets to append in this turn
      // (including through awaits in decorators above) joins the group.
      setImmediate(() => this.flush());
    });
  }

  /** Commits the queued calls as one transaction, then answers each (success or its own error). */
  private flush(): void {
    this.flushScheduled = false;
    const calls = this.pending;
    if (calls.length === 0) return;
    this.pending = [];
    const started = performance.now();
    let outcomes: CallOutcome[];
    try {
      if (!this.db.open) throw new Error(`SQLite event store ${this.filename} is closed`);
      outcomes = this.groupTransaction.immediate(calls);
    } catch (error) {
      const failure = isBusy(error) || !this.db.open ? new EventStoreUnavailableError(error) : error;
      for (const call of calls) call.reject(failure);
      return;
    }
    let events = 0;
    for (const outcome of outcomes) {
      if ('results' in outcome)
        for (const result of outcome.results) if (!result.idempotentReplay) events += result.events.length;
    }
    this.onCommit?.({ calls: calls.length, events, ms: performance.now() - started });
    if (events > 0) this.notifyAppend();
    outcomes.forEach((outcome, i) =>
      'results' in outcome ? calls[i].resolve(outcome.results) : calls[i].reject(outcome.error),
    );
  }

  /** One call of a group, in its own savepoint: its failure is its own unless it aborted the transaction. */
  private applyCall({ commands }: PendingCall): CallOutcome {
    const failed = { index: 0 };
    try {
      return { results: this.callTransaction(commands, failed) };
    } catch (error) {
      // SQLite rolls the whole transaction back on some errors (I/O, disk full): the earlier calls'
      // writes are gone, so the group must fail as a whole rather than commit the rest in autocommit.
      if (!this.db.inTransaction) throw error;
      const { streamId, expected } = commands[failed.index];
      return { error: this.mapAppendError(error, streamId, expected) };
    }
  }

  private appendInTransaction({
    streamId,
    events,
    occurredAtMs,
    expected,
    recordedAt,
  }: AppendCommand): AppendResult {
    const head = this.selectStreamHead.get(streamId);
    const current = head === null || head === undefined ? -1 : Number(head);
    // A stream without events holds none of these ids: skip the lookups (an index probe per event), which
    // is most of a bulk load's first appends. The idempotency check still comes before the expected revision.
    if (current >= 0) {
      const recorded = events.map((event): AppendedEvent | undefined => {
        const row = this.selectByEventId.get(eventKey(event.eventId), streamId, event.eventId);
        return (
          row && {
            eventId: event.eventId,
            streamRevision: Number(row.stream_revision),
            globalPosition: row.global_position,
          }
        );
      });
      const replay = replayIfDuplicate(streamId, events, recorded);
      if (replay) return replay;
    }
    assertExpectedRevision(streamId, expected, current);

    const appended = events.map((event, index): AppendedEvent => {
      const revision = current + 1 + index;
      const { lastInsertRowid } = this.insertEvent.run(
        streamId,
        revision,
        event.eventId,
        eventKey(event.eventId),
        event.type,
        event.occurredAt,
        occurredAtMs[index],
        recordedAt,
        JSON.stringify(event.data ?? {}),
        JSON.stringify(event.metadata ?? {}),
      );
      return { eventId: event.eventId, streamRevision: revision, globalPosition: BigInt(lastInsertRowid) };
    });
    const last = appended[appended.length - 1];
    return {
      nextExpectedRevision: last.streamRevision,
      position: last.globalPosition,
      events: appended,
      idempotentReplay: false,
    };
  }

  private mapAppendError(error: unknown, streamId: string, expected: ExpectedRevision): unknown {
    if (isRevisionConflict(error)) {
      // Another writer took the revision between our check and insert (cannot happen under BEGIN
      // IMMEDIATE, but this is the backstop should the locking ever be bypassed).
      const head = this.selectStreamHead.get(streamId);
      return new WrongExpectedRevisionError(streamId, String(expected), head == null ? -1 : Number(head));
    }
    if (isBusy(error)) return new EventStoreUnavailableError(error);
    return error;
  }

  private readBatch(after: bigint, streamPrefix: string | undefined, limit: number): RecordedEvent[] {
    return this.selectAll
      .all({ after, prefix: streamPrefix ?? null, limit: BigInt(limit) })
      .map(toRecordedEvent);
  }

  private notifyAppend(): void {
    if (this.appendListeners.size === 0) return;
    const listeners = [...this.appendListeners];
    this.appendListeners.clear();
    for (const listener of listeners) listener();
  }

  private assertOpen(): void {
    if (this.closed)
      throw new EventStoreUnavailableError(new Error(`SQLite event store ${this.filename} is closed`));
  }
}
