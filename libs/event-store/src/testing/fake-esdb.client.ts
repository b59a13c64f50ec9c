import {
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type EventData,
  type EventStoreDBClient,
  type Filter,
  type Position,
  type ReadPosition,
  type ReadRevision,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';

/**
 * An in-memory model of the parts of EventStoreDB (gRPC client v6) that EsdbEventStore uses, so the
 * adapter's own logic (idempotency cycle, paging, filtering, subscription wrapper) runs the contract suite
 * on machines without a server. It models the behaviours the adapter must cope with, pessimistically:
 * - commit = prepare positions with gaps between them; reads from a position are inclusive, and so is a
 *   subscription's start (the real server starts after it), so the adapter must skip the start event;
 * - system events ($stats...) written between user events;
 * - event ids returned lower-case, metadata and data through JSON, `created` as a Date;
 * - a missing stream errors on iteration with StreamNotFoundError; a wrong expected revision rejects with
 *   WrongExpectedVersionError (actualVersion 'no_stream' or a bigint);
 * - unsubscribe() stops delivery without ending the readable (a pending read never settles);
 * - every call yields to the event loop, so concurrent appends interleave.
 * It is a model, not proof: the real server runs the same suite via esdb.event-store.int-spec.ts.
 */
interface StoredEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  created: Date;
  data: unknown;
  metadata: unknown;
  position: Position;
}

type FakeStreamingRead = Readable & { cancel(): Promise<void> };

export class FakeEsdbClient {
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private nextPosition = 1_000n;
  disposed = false;

  asClient(): EventStoreDBClient {
    return this as unknown as EventStoreDBClient;
  }

  async appendToStream(
    streamName: string,
    events: EventData | EventData[],
    options: { expectedRevision?: AppendExpectedRevision } = {},
  ): Promise<{ success: boolean; nextExpectedRevision: bigint; position?: Position }> {
    await tick();
    this.assertOpen();
    const list = Array.isArray(events) ? events : [events];
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length === 0 ? undefined : stream[stream.length - 1].revision;
    const expected = options.expectedRevision ?? 'any';
    if (typeof expected === 'number') throw new TypeError('expectedRevision must be a bigint');
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === undefined) ||
      (expected === 'stream_exists' && current !== undefined) ||
      (typeof expected === 'bigint' && current === expected);
    if (!ok) {
      throw new WrongExpectedVersionError(undefined, {
        streamName,
        expected,
        current: current ?? 'no_stream',
      });
    }
    let revision = current ?? -1n;
    for (const event of list) {
      revision += 1n;
      const stored: StoredEvent = {
        streamId: streamName,
        id: event.id.toLowerCase(),
        revision,
        type: event.type,
        created: new Date(),
        data: JSON.parse(JSON.stringify(event.data)),
        metadata: event.metadata === undefined ? undefined : JSON.parse(JSON.stringify(event.metadata)),
        position: this.takePosition(),
      };
      stream.push(stored);
      this.log.push(stored);
    }
    this.streams.set(streamName, stream);
    this.writeSystemEvent(); // ESDB writes its own events between ours
    this.appended.emit('append');
    const last = stream[stream.length - 1];
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  readStream(
    streamName: string,
    options: {
      direction?: 'forwards' | 'backwards';
      fromRevision?: ReadRevision;
      maxCount?: number | bigint;
    } = {},
  ): FakeStreamingRead {
    const { direction = 'forwards', fromRevision = 'start', maxCount = Number.MAX_SAFE_INTEGER } = options;
    if (typeof fromRevision === 'number') throw new TypeError('fromRevision must be a bigint');
    return this.streamOf(() => {
      const stream = this.streams.get(streamName);
      if (!stream) throw new StreamNotFoundError(undefined, streamName);
      const ordered = direction === 'forwards' ? stream : [...stream].reverse();
      const from = fromRevision === 'start' || fromRevision === 'end' ? undefined : fromRevision;
      const selected = ordered.filter((event) =>
        from === undefined
          ? true
          : direction === 'forwards'
            ? event.revision >= from
            : event.revision <= from,
      );
      const start = fromRevision === 'end' && direction === 'forwards' ? selected.length : 0;
      return selected
        .slice(start, start + Number(maxCount))
        .map((event) => ({ event: this.toRecorded(event) }));
    });
  }

  readAll(
    options: {
      direction?: 'forwards' | 'backwards';
      fromPosition?: ReadPosition;
      maxCount?: number | bigint;
    } = {},
  ): FakeStreamingRead {
    const { direction = 'forwards', fromPosition = 'start', maxCount = Number.MAX_SAFE_INTEGER } = options;
    return this.streamOf(() => {
      const ordered = direction === 'forwards' ? this.log : [...this.log].reverse();
      const selected = ordered.filter((event) => {
        if (fromPosition === 'start') return direction === 'forwards';
        if (fromPosition === 'end') return direction === 'backwards';
        return direction === 'forwards'
          ? event.position.commit >= fromPosition.commit
          : event.position.commit <= fromPosition.commit;
      });
      return selected.slice(0, Number(maxCount)).map((event) => this.toAllResolved(event));
    });
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: Filter } = {}): Readable & {
    unsubscribe(): Promise<void>;
  } {
    this.assertOpen();
    const { fromPosition = 'start', filter } = options;
    let index =
      fromPosition === 'start'
        ? 0
        : fromPosition === 'end'
          ? this.log.length
          : this.log.findIndex((event) => event.position.commit >= fromPosition.commit);
    if (index < 0) index = this.log.length;
    let stopped = false;
    let waiting = false;
    const matches = (event: StoredEvent) => {
      if (!filter) return true;
      const subject = filter.filterOn === 'streamName' ? event.streamId : event.type;
      return 'prefixes' in filter
        ? filter.prefixes.some((prefix) => subject.startsWith(prefix))
        : new RegExp(filter.regex).test(subject);
    };
    const appended = this.appended;
    const log = this.log;
    const toAllResolved = (event: StoredEvent) => this.toAllResolved(event);
    const readable = new Readable({
      objectMode: true,
      highWaterMark: 4,
      read() {
        pump();
      },
    });
    const pump = () => {
      while (!stopped && index < log.length) {
        const event = log[index++];
        if (matches(event) && !readable.push(toAllResolved(event))) return;
      }
      if (!stopped && !waiting) {
        waiting = true;
        appended.once('append', () => {
          waiting = false;
          pump();
        });
      }
    };
    return Object.assign(readable, {
      unsubscribe: async () => {
        stopped = true;
      },
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }

  private streamOf(produce: () => unknown[]): FakeStreamingRead {
    this.assertOpen();
    let items: unknown[] | undefined;
    let failure: unknown;
    let started = false;
    const readable = new Readable({
      objectMode: true,
      highWaterMark: 4,
      read() {
        if (!started) {
          started = true;
          setImmediate(() => {
            try {
              items = produce();
            } catch (error) {
              failure = error;
            }
            if (failure) return readable.destroy(failure as Error);
            drain();
          });
          return;
        }
        if (items) drain();
      },
    });
    const drain = () => {
      while (items && items.length > 0) {
        if (!readable.push(items.shift())) return;
      }
      readable.push(null);
    };
    return Object.assign(readable, { cancel: async () => void readable.destroy() });
  }

  private toRecorded(event: StoredEvent) {
    return {
      streamId: event.streamId,
      id: event.id,
      isJson: true as const,
      revision: event.revision,
      type: event.type,
      created: event.created,
      data: event.data,
      metadata: event.metadata,
      position: event.position,
    };
  }

  private toAllResolved(event: StoredEvent): AllStreamResolvedEvent {
    return { event: this.toRecorded(event), commitPosition: event.position.commit } as AllStreamResolvedEvent;
  }

  private writeSystemEvent(): void {
    const stream = this.streams.get('$stats-fake') ?? [];
    const stored: StoredEvent = {
      streamId: '$stats-fake',
      id: randomUUID(),
      revision: BigInt(stream.length),
      type: '$statsCollected',
      created: new Date(),
      data: {},
      metadata: undefined,
      position: this.takePosition(),
    };
    stream.push(stored);
    this.streams.set('$stats-fake', stream);
    this.log.push(stored);
  }

  private takePosition(): Position {
    this.nextPosition += 97n + BigInt(this.log.length % 5);
    return { commit: this.nextPosition, prepare: this.nextPosition };
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('fake client disposed');
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
