import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventStoreUnavailableError,
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { anEvent, delay, ids, someEvents, SubscriptionReader } from '../testing/event-store.fixtures';
import { isRevisionConflict, SCHEMA_VERSION } from './sqlite.schema';
import { SqliteEventStore } from './sqlite.event-store';
import { runWriterProcesses } from '../testing/sqlite-writer.processes';

const dir = mkdtempSync(join(tmpdir(), 'crm-event-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh file per store; the whole directory goes at the end (WAL and SHM files included). */
const freshFile = () => join(dir, `${randomUUID()}.sqlite`);

describeEventStoreContract('sqlite (file)', async () => new SqliteEventStore(freshFile()), {
  connectAnother: async (store) => new SqliteEventStore((store as SqliteEventStore).filename),
});

describeEventStoreContract('sqlite (:memory:)', async () => new SqliteEventStore(':memory:'));

describe('SqliteEventStore specifics', () => {
  const open: SqliteEventStore[] = [];
  const openStore = (file = freshFile(), options = {}) => {
    const store = new SqliteEventStore(file, options);
    open.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  it('uses WAL journaling on a file and records its schema version', () => {
    const file = freshFile();
    openStore(file);
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      raw.close();
    }
  });

  it('reports head position 0 for an empty store', async () => {
    expect(await openStore().headPosition()).toBe(0n);
  });

  it('creates its schema idempotently and keeps data across reopen', async () => {
    const file = freshFile();
    const first = new SqliteEventStore(file);
    const result = await first.appendToStream('customer-1', someEvents(2));
    await first.close();

    const reopened = openStore(file);
    expect((await reopened.readStream('customer-1')).map((e) => e.globalPosition)).toEqual(
      result.events.map((e) => e.globalPosition),
    );
    const next = await reopened.appendToStream('customer-1', [anEvent()], { expectedRevision: 1 });
    expect(next.events[0].streamRevision).toBe(2);
  });

  it('recognises the real unique-constraint error of (stream_id, stream_revision) as a revision conflict', async () => {
    const file = freshFile();
    const store = openStore(file);
    await store.appendToStream('customer-1', [anEvent()]);
    const raw = new Database(file);
    try {
      const insert = () =>
        raw
          .prepare(
            `INSERT INTO events (stream_id, stream_revision, event_id, event_key, type, occurred_at, occurred_at_ms, recorded_at, data, metadata)
             VALUES ('customer-1', 0, ?, 0, 't', 'x', 0, 'x', '{}', '{}')`,
          )
          .run(randomUUID());
      let error: unknown;
      try {
        insert();
      } catch (e) {
        error = e;
      }
      expect(isRevisionConflict(error)).toBe(true);
      expect(
        isRevisionConflict(new Error('UNIQUE constraint failed: events.stream_id, events.event_id')),
      ).toBe(false);
    } finally {
      raw.close();
    }
  });

  it('maps a write lock held too long by another connection to EventStoreUnavailableError', async () => {
    const file = freshFile();
    const store = openStore(file, { busyTimeoutMs: 50 });
    const raw = new Database(file);
    raw.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.appendToStream('customer-1', [anEvent()])).rejects.toBeInstanceOf(
        EventStoreUnavailableError,
      );
    } finally {
      raw.exec('ROLLBACK');
      raw.close();
    }
    expect((await store.appendToStream('customer-1', [anEvent()])).events[0].streamRevision).toBe(0);
  });

  describe('appendToStreams: the whole call in one transaction', () => {
    it('is all or nothing: a wrong expected revision in the 3rd append leaves the 1st and 2nd unwritten', async () => {
      const store = openStore();
      await store.appendToStream('customer-3', someEvents(2));
      const head = await store.headPosition();
      const woken = jest.fn();
      const subscription = store.subscribeToAll({ after: head });
      const reader = new SubscriptionReader(subscription);
      reader.next(2_000).then(woken, () => undefined);

      const error = await store
        .appendToStreams([
          { streamId: 'customer-1', events: someEvents(2), expectedRevision: 'no_stream' },
          { streamId: 'customer-2', events: [anEvent()] },
          { streamId: 'customer-3', events: [anEvent()], expectedRevision: 0 },
        ])
        .then(
          () => undefined,
          (e: unknown) => e,
        );

      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ streamId: 'customer-3', expected: '0', actual: 1 });
      expect(await store.readStream('customer-1')).toEqual([]);
      expect(await store.readStream('customer-2')).toEqual([]);
      expect(await store.readStream('customer-3')).toHaveLength(2);
      expect(await store.headPosition()).toBe(head);
      await delay(50);
      expect(woken).not.toHaveBeenCalled();
      await subscription.close();

      // The rolled-back call left nothing behind: the same appends go through once corrected.
      const results = await store.appendToStreams([
        { streamId: 'customer-1', events: someEvents(2), expectedRevision: 'no_stream' },
        { streamId: 'customer-3', events: [anEvent()], expectedRevision: 1 },
      ]);
      expect(results.map((r) => r.events.map((e) => e.streamRevision))).toEqual([[0, 1], [2]]);
    });

    it('rolls back on a partial duplicate too, and names the stream of a conflict met after an earlier append of the call', async () => {
      const store = openStore();
      const batch = someEvents(2);
      await store.appendToStream('customer-1', batch);
      await expect(
        store.appendToStreams([
          { streamId: 'customer-2', events: [anEvent()] },
          { streamId: 'customer-1', events: [batch[0], anEvent()] },
        ]),
      ).rejects.toBeInstanceOf(PartialDuplicateAppendError);
      await expect(
        store.appendToStreams([
          { streamId: 'customer-2', events: [anEvent()] },
          { streamId: 'customer-2', events: [anEvent()], expectedRevision: 'no_stream' },
        ]),
      ).rejects.toMatchObject({ streamId: 'customer-2', expected: 'no_stream', actual: 0 });
      expect(await store.readStream('customer-2')).toEqual([]);
    });

    it('maps a write lock held too long by another connection to EventStoreUnavailableError', async () => {
      const file = freshFile();
      const store = openStore(file, { busyTimeoutMs: 50 });
      const raw = new Database(file);
      raw.exec('BEGIN IMMEDIATE');
      try {
        await expect(
          store.appendToStreams([{ streamId: 'customer-1', events: [anEvent()] }]),
        ).rejects.toBeInstanceOf(EventStoreUnavailableError);
      } finally {
        raw.exec('ROLLBACK');
        raw.close();
      }
    });
  });

  it('fails with EventStoreUnavailableError once closed', async () => {
    const store = new SqliteEventStore(':memory:');
    await store.close();
    await expect(store.readStream('customer-1')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.appendToStream('customer-1', [anEvent()])).rejects.toBeInstanceOf(
      EventStoreUnavailableError,
    );
    await store.close(); // idempotent
  });

  it('wakes subscriptions on appends through the same instance at once, not on the next poll', async () => {
    const store = openStore(freshFile(), { pollIntervalMs: 60_000 });
    const subscription = store.subscribeToAll();
    const reader = new SubscriptionReader(subscription);
    const pending = reader.take(2, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the subscription is now idle, waiting
    const batch = someEvents(2);
    await store.appendToStream('customer-1', batch);
    expect(ids(await pending)).toEqual(ids(batch));
    await subscription.close();
  });

  it('a subscription catches up through many batches without buffering the store', async () => {
    const store = openStore(freshFile(), { subscriptionBatchSize: 7 });
    const appended: string[] = [];
    for (let i = 0; i < 10; i++) {
      const batch = someEvents(10);
      await store.appendToStream(`customer-${i % 3}`, batch);
      appended.push(...ids(batch));
    }
    const subscription = store.subscribeToAll();
    const reader = new SubscriptionReader(subscription);
    expect(ids(await reader.take(100))).toEqual(appended);
    await subscription.close();
  });

  it('separate processes appending to one file: revisions stay contiguous, every event lands once, a subscriber sees all', async () => {
    const file = freshFile();
    const store = openStore(file);
    await store.appendToStream('shared', [anEvent()]); // creates the file and schema first
    const subscription = store.subscribeToAll();
    const reader = new SubscriptionReader(subscription);

    const writers = await runWriterProcesses(file, 'shared', { processes: 4, rounds: 60, batchSize: 2 });

    const expectedCount = 1 + 4 * 60 * 2;
    const stream = await store.readStream('shared');
    expect(stream.map((e) => e.streamRevision)).toEqual(Array.from({ length: expectedCount }, (_, i) => i));
    expect(new Set(ids(stream)).size).toBe(expectedCount);
    const byId = new Map(stream.map((e) => [e.eventId, e]));
    for (const batch of writers.flatMap((w) => w.batches)) {
      const first = byId.get(batch[0].eventId);
      batch.forEach((written, i) => {
        const stored = byId.get(written.eventId);
        expect(stored?.streamRevision).toBe(written.streamRevision);
        expect(stored?.globalPosition.toString()).toBe(written.globalPosition);
        expect(stored?.streamRevision).toBe((first?.streamRevision ?? NaN) + i); // batches stay contiguous
      });
    }

    const delivered = await reader.take(expectedCount, 15_000);
    expect(ids(delivered)).toEqual(ids(stream));
    await subscription.close();
  }, 120_000);
});
