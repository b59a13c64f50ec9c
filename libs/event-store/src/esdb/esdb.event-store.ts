import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  type Direction,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
  START,
  type StreamingRead,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  assertExpectedRevision,
  assertValidAppend,
  normalizeExpectedRevision,
  parseInstant,
  replayIfDuplicate,
} from '../append.rules';
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
import { EsdbAllSubscription } from './esdb-all.subscription';
import {
  actualRevisionOf,
  fromResolvedEvent,
  mapConnectionError,
  portRecordOf,
  toEventData,
} from './esdb.mapping';
import { WrongExpectedRevisionError } from '../event-store.errors';

export interface EsdbEventStoreOptions {
  /**
   * How many of a stream's newest events the idempotency check reads before each append. Default: the
   * whole stream (customer streams are short). With a window, a retry of an event older than the window
   * is appended again instead of being recognised.
   */
  idempotencyWindow?: number;
  /** Read-check-append cycles tried while other writers keep moving the stream (expected revision 'any'). */
  maxAppendAttempts?: number;
  /** Where countAll stops counting (its answer is then "at least"). Default 10,000. */
  countCap?: number;
}

/** Stream reads of one readStreams call in flight at once. */
const READ_CONCURRENCY = 16;

interface StreamTail {
  /** Revision of the last event, -1 when the stream does not exist. */
  current: number;
  /** Lower-cased event id (ESDB returns UUIDs lower-case) to where it was recorded. */
  byId: Map<string, AppendedEvent>;
}

/**
 * EventStoreDB adapter (@eventstore/db-client v6, gRPC).
 *
 * Appends follow the port's rules explicitly rather than relying on ESDB's own id de-duplication (which
 * only covers retries with the same expected version and is best effort with ANY). Each append:
 *   1. reads the stream tail backwards (the idempotency window, default the whole stream): one extra
 *      read per append, O(stream length) events;
 *   2. returns the original result when every id is there, PartialDuplicateAppendError when some are;
 *   3. checks the caller's expected revision against the revision just read;
 *   4. appends with expectedRevision = exactly that revision (NO_STREAM when none), so nothing can slip in
 *      between 1 and 4; if another writer did, ESDB rejects it and the cycle restarts from 1 (so a
 *      concurrent retry of the same ids still ends as an idempotent replay);
 *   5. reads the appended events back, because ESDB only returns the position of the whole write and the
 *      port reports per-event positions: one more read per append.
 */
export class EsdbEventStore implements EventStore {
  private readonly idempotencyWindow: number | undefined;
  private readonly maxAppendAttempts: number;
  private readonly countCap: number;
  private readonly subscriptions = new Set<EsdbAllSubscription>();

  constructor(
    private readonly client: EventStoreDBClient,
    options: EsdbEventStoreOptions = {},
  ) {
    this.idempotencyWindow = options.idempotencyWindow;
    this.maxAppendAttempts = options.maxAppendAttempts ?? 100;
    this.countCap = options.countCap ?? 10_000;
  }

  /** `esdb://host:2113?tls=false` and the other forms the client accepts. */
  static fromConnectionString(url: string, options?: EsdbEventStoreOptions): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(url), options);
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    assertValidAppend(streamId, events);
    const expected = normalizeExpectedRevision(options.expectedRevision);
    const eventData = events.map(toEventData);
    let lastActual = -1;
    for (let attempt = 1; attempt <= this.maxAppendAttempts; attempt++) {
      const tail = await this.readTail(streamId);
      const replay = replayIfDuplicate(
        streamId,
        events,
        events.map((event) => tail.byId.get(event.eventId.toLowerCase())),
      );
      if (replay) return replay;
      assertExpectedRevision(streamId, expected, tail.current);
      let written: boolean;
      try {
        const result = await this.client.appendToStream(streamId, eventData, {
          expectedRevision: tail.current < 0 ? NO_STREAM : BigInt(tail.current),
        });
        // success is false instead of an error only with throwOnAppendFailure=false in the connection string
        written = result.success;
        lastActual = written ? lastActual : Number(result.nextExpectedRevision);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw mapConnectionError(error);
        written = false;
        lastActual = actualRevisionOf(error);
      }
      if (written) return this.readBackAppended(streamId, events, tail.current + 1);
      // Another writer moved the stream since the tail was read: re-evaluate idempotency and expectation.
      if (expected === 'any' || expected === 'stream_exists') await backOff(attempt);
    }
    throw new WrongExpectedRevisionError(streamId, String(expected), lastActual);
  }

  /**
   * EventStoreDB has no transaction across streams: the appends go one after the other, in order, each
   * through appendToStream (atomic per stream). A failure throws with the earlier appends written; a retry
   * of the whole call replays those idempotently. Input checks run for every append before the first write.
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    for (const { streamId, events, expectedRevision } of appends) {
      assertValidAppend(streamId, events);
      normalizeExpectedRevision(expectedRevision);
    }
    const results: AppendResult[] = [];
    for (const { streamId, events, expectedRevision } of appends) {
      results.push(await this.appendToStream(streamId, events, { expectedRevision }));
    }
    return results;
  }

  /** EventStoreDB reads one stream per call: the reads run a bounded number at a time. */
  async readStreams(reads: readonly StreamRead[]): Promise<RecordedEvent[][]> {
    const results = new Array<RecordedEvent[]>(reads.length);
    let next = 0;
    const reader = async () => {
      while (next < reads.length) {
        const i = next++;
        results[i] = await this.readStream(reads[i].streamId, { fromRevision: reads[i].fromRevision });
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, reads.length) }, reader));
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { fromRevision = 0, maxCount, until } = options;
    if (maxCount !== undefined && maxCount <= 0) return [];
    const untilOccurredMs =
      until?.occurredAt === undefined ? undefined : parseInstant(until.occurredAt, 'until.occurredAt');
    const untilRecordedMs =
      until?.recordedAt === undefined ? undefined : parseInstant(until.recordedAt, 'until.recordedAt');
    const filtersInside = untilOccurredMs !== undefined || untilRecordedMs !== undefined;
    const read = this.client.readStream(streamId, {
      fromRevision: BigInt(fromRevision),
      ...(maxCount !== undefined && !filtersInside ? { maxCount } : {}),
    });
    const events: RecordedEvent[] = [];
    let stoppedEarly = false;
    try {
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        const event = fromResolvedEvent(resolved);
        if (!event) continue;
        // Positions increase along a stream, so the position bound ends the read; times may not, so filter.
        if (until?.position !== undefined && event.globalPosition > until.position) {
          stoppedEarly = true;
          break;
        }
        if (untilOccurredMs !== undefined && Date.parse(event.occurredAt) > untilOccurredMs) continue;
        if (untilRecordedMs !== undefined && Date.parse(event.recordedAt) > untilRecordedMs) continue;
        events.push(event);
        if (maxCount !== undefined && events.length >= maxCount) {
          stoppedEarly = true;
          break;
        }
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw mapConnectionError(error);
    } finally {
      if (stoppedEarly) await read.cancel();
    }
    return events;
  }

  /**
   * $all in pages from `after` (the event at `after` itself is skipped: ESDB reads from a position
   * inclusively). The v6 client has no server-side filter for reads, so the stream prefix and system events
   * are filtered here, page by page, until `maxCount` events are found or $all ends.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { after, maxCount = 1_000, streamPrefix } = options;
    const events: RecordedEvent[] = [];
    if (!(maxCount > 0)) return events;
    let lastDelivered = after ?? -1n;
    await this.scanAll(fromAfter(after), Math.min(Math.max(maxCount + 1, 256), 4_096), (resolved) => {
      const event = fromResolvedEvent(resolved);
      if (!event || event.globalPosition <= lastDelivered) return false;
      if (streamPrefix !== undefined && !event.streamId.startsWith(streamPrefix)) return false;
      events.push(event);
      lastDelivered = event.globalPosition;
      return events.length >= maxCount;
    });
    return events;
  }

  /**
   * EventStoreDB keeps no count of $all, and the difference of two commit positions is a distance in bytes
   * of the transaction log, not a number of events. So this reads $all after the position, as readAll does,
   * but only looks at each record's stream, type and position (no mapping of data or metadata), and stops
   * at `countCap` events: up to the cap the count is exact, beyond it the answer is "at least the cap"
   * (`atLeast`). Its cost grows with the lag up to the cap; the SQLite store's count does not read events.
   */
  async countAll(options: CountAllOptions = {}): Promise<EventsAfter> {
    const { after, streamPrefix } = options;
    let count = 0;
    let firstRecordedAt: string | null = null;
    let capped = false;
    // Pages overlap by one record (reads from a position are inclusive): nothing at or below it counts.
    let floor = after ?? -1n;
    await this.scanAll(fromAfter(after), 4_096, (resolved) => {
      const event = portRecordOf(resolved);
      const position = event?.position?.commit ?? resolved.commitPosition;
      if (!event || position === undefined || position <= floor) return false;
      floor = position;
      if (streamPrefix !== undefined && !event.streamId.startsWith(streamPrefix)) return false;
      firstRecordedAt ??= event.created.toISOString();
      capped = ++count >= this.countCap;
      return capped;
    });
    return { count, atLeast: capped, firstRecordedAt };
  }

  subscribeToAll(options: SubscribeOptions = {}): AllSubscription {
    const subscription = new EsdbAllSubscription(this.client, options, (closed) =>
      this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Position of the newest non-system event: system writes ($stats...) would otherwise show as fake lag. */
  async headPosition(): Promise<bigint> {
    let found: bigint | undefined;
    await this.scanAll(
      END,
      100,
      (resolved) => {
        found = fromResolvedEvent(resolved)?.globalPosition;
        return found !== undefined;
      },
      BACKWARDS,
    );
    return found ?? 0n;
  }

  async ping(): Promise<void> {
    try {
      await drain(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    } catch (error) {
      throw mapConnectionError(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  /**
   * Reads $all from `from` in pages of `pageSize`, handing every record to `visit` until it answers true
   * (the read is cancelled there) or $all ends. Each page starts from where the last one ended, inclusively:
   * that record is visited again, and `visit` skips what it has seen.
   */
  private async scanAll(
    from: ReadPosition,
    pageSize: number,
    visit: (resolved: AllStreamResolvedEvent) => boolean,
    direction: Direction = FORWARDS,
  ): Promise<void> {
    for (;;) {
      const read = this.client.readAll({ direction, fromPosition: from, maxCount: pageSize });
      let seen = 0;
      let lastRaw: Position | undefined;
      let stopped = false;
      try {
        for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
          seen++;
          lastRaw = rawPositionOf(resolved) ?? lastRaw;
          if (visit(resolved)) {
            stopped = true;
            break;
          }
        }
      } catch (error) {
        throw mapConnectionError(error);
      } finally {
        if (stopped) await read.cancel();
      }
      if (stopped || seen < pageSize || lastRaw === undefined) return;
      from = lastRaw;
    }
  }

  private async readTail(streamId: string): Promise<StreamTail> {
    const byId = new Map<string, AppendedEvent>();
    let current = -1;
    const read = this.client.readStream(streamId, {
      direction: BACKWARDS,
      fromRevision: END,
      ...(this.idempotencyWindow !== undefined ? { maxCount: this.idempotencyWindow } : {}),
    });
    try {
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        const event = resolved.event;
        if (!event) continue;
        const revision = Number(event.revision);
        if (current < 0) current = revision;
        byId.set(event.id.toLowerCase(), {
          eventId: event.id,
          streamRevision: revision,
          globalPosition: positionOf(resolved),
        });
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { current: -1, byId };
      throw mapConnectionError(error);
    }
    return { current, byId };
  }

  private async readBackAppended(
    streamId: string,
    events: readonly EventToAppend[],
    firstRevision: number,
  ): Promise<AppendResult> {
    const appended: AppendedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        fromRevision: BigInt(firstRevision),
        maxCount: events.length,
      });
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        if (!resolved.event) continue;
        const index = appended.length;
        if (
          index >= events.length ||
          resolved.event.id.toLowerCase() !== events[index].eventId.toLowerCase()
        ) {
          throw new Error(
            `Stream ${streamId}: revision ${resolved.event.revision} is not the event just appended`,
          );
        }
        appended.push({
          eventId: events[index].eventId,
          streamRevision: Number(resolved.event.revision),
          globalPosition: positionOf(resolved),
        });
      }
    } catch (error) {
      throw mapConnectionError(error);
    }
    if (appended.length !== events.length) {
      throw new Error(
        `Stream ${streamId}: read back ${appended.length} of the ${events.length} events just appended`,
      );
    }
    const last = appended[appended.length - 1];
    return {
      nextExpectedRevision: last.streamRevision,
      position: last.globalPosition,
      events: appended,
      idempotentReplay: false,
    };
  }
}

/** Where a read of the events strictly after `after` starts (inclusive: the event at `after` is skipped). */
const fromAfter = (after: bigint | undefined): ReadPosition =>
  after === undefined ? START : { commit: after, prepare: after };

function rawPositionOf(resolved: AllStreamResolvedEvent): Position | undefined {
  const recorded = resolved.event ?? resolved.link;
  if (recorded?.position) return recorded.position;
  return resolved.commitPosition === undefined
    ? undefined
    : { commit: resolved.commitPosition, prepare: resolved.commitPosition };
}

function positionOf(resolved: ResolvedEvent): bigint {
  const position = resolved.event?.position?.commit ?? resolved.commitPosition;
  if (position === undefined) {
    throw new Error('EventStoreDB did not return event positions: EventStoreDB 22.6 or later is required');
  }
  return position;
}

async function drain(read: StreamingRead<unknown>): Promise<void> {
  for await (const _ of read as AsyncIterable<unknown>) {
    // nothing: reaching the end is the answer
  }
}

/** Small random pause so writers contending on one stream with 'any' do not retry in lock-step. */
function backOff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(5 * attempt, 100);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
