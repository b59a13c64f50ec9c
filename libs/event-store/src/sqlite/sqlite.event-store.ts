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
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
} from '../event-store.port';
import { SqliteAllSubscription } from './sqlite-all.subscription';
import {
  CREATE_SCHEMA,
  EVENT_COLUMNS,
  type EventRow,
  isBusy,
  isRevisionConflict,
  SCHEMA_VERSION,
  toRecordedEvent,
} from './sqlite.schema';

export interface SqliteEventStoreOptions {
  /**
   * NORMAL (default): in WAL mode a commit is in the WAL file (the OS page cache) before appendToStream
   * returns, so a crash or kill -9 of the process loses nothing and never corrupts the file; only an OS crash
   * or power loss can roll back the last few transactions (the file stays consistent). FULL also fsyncs the
   * WAL on every commit, which survives power loss at several times the cost per append.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another process's write lock before giving up (EventStoreUnavailableError). */
  busyTimeoutMs?: number;
  /** How often idle subscriptions look for appends made by other processes. */
  pollIntervalMs?: number;
  /** Rows per read while a subscription catches up. */
  subscriptionBatchSize?: number;
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

const NO_LIMIT = -1;

/**
 * The embedded event store: one SQLite file (WAL mode) through better-sqlite3. Every append is one
 * synchronous BEGIN IMMEDIATE transaction: it takes the file's write lock before reading the stream head,
 * so the idempotency and expected-revision checks and the inserts are atomic even across processes sharing
 * the file (other writers wait up to busyTimeoutMs). Within one process appends are naturally serialised,
 * as better-sqlite3 is synchronous. UNIQUE (stream_id, stream_revision) is the last line of defence and
 * maps to WrongExpectedRevisionError. appendToStreams puts all of its appends in one such transaction: a
 * commit costs far more than an insert, so bulk loaders go several times faster that way.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<SqliteAllSubscription>();
  private readonly pollIntervalMs: number;
  private readonly subscriptionBatchSize: number;
  private closed = false;

  private readonly selectStreamHead: Database.Statement<[string], bigint | null>;
  private readonly selectByEventId: Database.Statement<[string, string], IdRow>;
  private readonly insertEvent: Database.Statement<unknown[]>;
  private readonly selectStream: Database.Statement<[Record<string, unknown>], EventRow>;
  private readonly selectAll: Database.Statement<[Record<string, unknown>], EventRow>;
  private readonly selectHeadPosition: Database.Statement<[], bigint | null>;
  private readonly selectOne: Database.Statement<[], number>;
  private readonly appendTransaction: Database.Transaction<(command: AppendCommand) => AppendResult>;
  private readonly appendManyTransaction: Database.Transaction<
    (commands: readonly AppendCommand[], failed: { index: number }) => AppendResult[]
  >;

  /** `filename` is a path, or `:memory:` for a private in-memory store (tests). */
  constructor(
    readonly filename: string,
    options: SqliteEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.subscriptionBatchSize = options.subscriptionBatchSize ?? 500;
    this.db = new Database(filename, { timeout: options.busyTimeoutMs ?? 5_000 });
    try {
      this.db.pragma('journal_mode = WAL'); // stays 'memory' for :memory:, which is fine
      this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      this.db.exec(CREATE_SCHEMA);
      if (this.db.pragma('user_version', { simple: true }) === 0) {
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }

      this.selectStreamHead = this.db
        .prepare<[string], bigint | null>('SELECT MAX(stream_revision) FROM events WHERE stream_id = ?')
        .pluck()
        .safeIntegers();
      this.selectByEventId = this.db
        .prepare<[string, string], IdRow>(
          'SELECT stream_revision, global_position FROM events WHERE stream_id = ? AND event_id = ?',
        )
        .safeIntegers();
      this.insertEvent = this.db
        .prepare(
          `INSERT INTO events (stream_id, stream_revision, event_id, type, occurred_at, occurred_at_ms, recorded_at, data, metadata)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      this.appendTransaction = this.db.transaction((command: AppendCommand) =>
        this.appendInTransaction(command),
      );
      this.appendManyTransaction = this.db.transaction(
        (commands: readonly AppendCommand[], failed: { index: number }) =>
          commands.map((command, index) => {
            failed.index = index; // which append to name if this one throws (the whole call rolls back)
            return this.appendInTransaction(command);
          }),
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
    let result: AppendResult;
    try {
      result = this.appendTransaction.immediate({ streamId, events, occurredAtMs, expected, recordedAt });
    } catch (error) {
      throw this.mapAppendError(error, streamId, expected);
    }
    if (!result.idempotentReplay) this.notifyAppend();
    return result;
  }

  /**
   * Every append in one BEGIN IMMEDIATE transaction, with the statements appendToStream uses: per event, an
   * idempotency lookup and an insert; per append, a head read. All or nothing: the first failing append
   * rolls the whole call back. Each append reads what the earlier ones of the call inserted (same
   * transaction), so a stream may appear twice. Subscribers are woken once.
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
    const failed = { index: 0 };
    let results: AppendResult[];
    try {
      results = this.appendManyTransaction.immediate(commands, failed);
    } catch (error) {
      const { streamId, expected } = commands[failed.index];
      throw this.mapAppendError(error, streamId, expected);
    }
    if (results.some((result) => !result.idempotentReplay)) this.notifyAppend();
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { until } = options;
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
      limit: options.maxCount === undefined ? BigInt(NO_LIMIT) : BigInt(Math.max(0, options.maxCount)),
    });
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readBatch(options.after ?? 0n, options.streamPrefix, options.maxCount ?? 1_000);
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
    this.closed = true;
    this.db.close();
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
        const row = this.selectByEventId.get(streamId, event.eventId);
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
