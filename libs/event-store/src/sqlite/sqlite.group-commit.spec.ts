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
import type { AppendResult } from '../event-store.port';
import { anEvent, ids, someEvents } from '../testing/event-store.fixtures';
import { committedWalTransactions } from '../testing/sqlite-wal.reader';
import { runWriterProcesses } from '../testing/sqlite-writer.processes';
import { type GroupCommit, SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.event-store';

const dir = mkdtempSync(join(tmpdir(), 'crm-group-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteEventStore durability and group commit', () => {
  const open: SqliteEventStore[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  /** A store on a fresh file that records its group commits. */
  function openStore(options: SqliteEventStoreOptions = {}) {
    const file = join(dir, `${randomUUID()}.sqlite`);
    const commits: GroupCommit[] = [];
    const store = new SqliteEventStore(file, { ...options, onCommit: (commit) => commits.push(commit) });
    open.push(store);
    return { store, file, commits };
  }

  const settle = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

  it('is durable by default: synchronous FULL, and an append is committed to the WAL before it resolves', async () => {
    const order: string[] = [];
    const file = join(dir, `${randomUUID()}.sqlite`);
    const store = new SqliteEventStore(file, { onCommit: () => order.push('committed') });
    open.push(store);
    expect(store.synchronous).toBe('FULL');
    const before = committedWalTransactions(file);

    const append = store.appendToStream('customer-1', [anEvent()]);
    expect(committedWalTransactions(file)).toBe(before); // queued for this turn's group, not yet written
    await append;
    order.push('acknowledged');

    expect(order).toEqual(['committed', 'acknowledged']);
    expect(committedWalTransactions(file) - before).toBe(1);
  });

  it('keeps the relaxed mode available: synchronous NORMAL when asked', () => {
    const { store } = openStore({ synchronous: 'NORMAL' });
    expect(store.synchronous).toBe('NORMAL');
  });

  it('16 concurrent single-event appends share one commit (one fsync), each with its own result', async () => {
    const { store, file, commits } = openStore();
    await store.appendToStream('customer-0', [anEvent()]);
    commits.length = 0;
    const before = committedWalTransactions(file);

    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        store.appendToStream(`customer-${i}`, [anEvent()], { expectedRevision: i === 0 ? 0 : 'no_stream' }),
      ),
    );

    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({ calls: 16, events: 16 });
    expect(committedWalTransactions(file) - before).toBe(1);
    expect(results.map((r) => r.nextExpectedRevision)).toEqual([1, ...Array<number>(15).fill(0)]);
    const positions = results.map((r) => r.position);
    expect(new Set(positions).size).toBe(16);
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1))); // arrival order
  });

  it('closed-loop callers keep sharing commits: 8 callers x 25 appends take far fewer than 200 commits', async () => {
    const { store, commits } = openStore();
    await Promise.all(
      Array.from({ length: 8 }, async (_, caller) => {
        let expectedRevision: number | 'no_stream' = 'no_stream';
        for (let round = 0; round < 25; round++) {
          const result = await store.appendToStream(`customer-${caller}`, [anEvent()], { expectedRevision });
          expectedRevision = result.nextExpectedRevision;
        }
      }),
    );
    expect(commits.reduce((sum, c) => sum + c.events, 0)).toBe(200);
    expect(commits.length).toBeLessThanOrEqual(50);
    for (let caller = 0; caller < 8; caller++) {
      expect((await store.readStream(`customer-${caller}`)).map((e) => e.streamRevision)).toEqual(
        Array.from({ length: 25 }, (_, i) => i),
      );
    }
  });

  it('a conflicting member fails alone with WrongExpectedRevision; the rest of its group is appended', async () => {
    const { store, commits } = openStore();
    await store.appendToStream('customer-b', someEvents(2));
    commits.length = 0;
    const a = anEvent();
    const c = someEvents(2);
    const outcomes = await settle<unknown>([
      store.appendToStream('customer-a', [a], { expectedRevision: 'no_stream' }),
      store.appendToStream('customer-b', [anEvent()], { expectedRevision: 5 }),
      store.appendToStreams([
        { streamId: 'customer-c', events: c },
        { streamId: 'customer-a', events: [anEvent()], expectedRevision: 0 },
      ]),
    ]);

    expect(commits).toEqual([expect.objectContaining({ calls: 3, events: 4 })]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (outcomes[1] as PromiseRejectedResult).reason as unknown;
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ streamId: 'customer-b', expected: '5', actual: 1 });
    expect(await store.readStream('customer-b')).toHaveLength(2);
    expect(ids(await store.readStream('customer-a'))[0]).toBe(a.eventId);
    expect(await store.readStream('customer-a')).toHaveLength(2); // the third call saw the first one's event
    expect(ids(await store.readStream('customer-c'))).toEqual(ids(c));
  });

  it('a failing appendToStreams member rolls back only its own appends, not those of its group', async () => {
    const { store } = openStore();
    const batch = someEvents(2);
    await store.appendToStream('customer-1', batch);
    const alone = anEvent();
    const outcomes = await settle<unknown>([
      store.appendToStreams([
        { streamId: 'customer-2', events: [anEvent()] },
        { streamId: 'customer-1', events: [batch[0], anEvent()] }, // partial duplicate
      ]),
      store.appendToStream('customer-3', [alone]),
    ]);
    expect((outcomes[0] as PromiseRejectedResult).reason).toBeInstanceOf(PartialDuplicateAppendError);
    expect(outcomes[1].status).toBe('fulfilled');
    expect(await store.readStream('customer-2')).toEqual([]);
    expect(ids(await store.readStream('customer-3'))).toEqual([alone.eventId]);
  });

  it('idempotent retries by event id hold within one group and across groups', async () => {
    const { store, commits } = openStore();
    const events = someEvents(2);
    const [first, retry] = await Promise.all([
      store.appendToStream('customer-1', events, { expectedRevision: 'no_stream' }),
      store.appendToStream('customer-1', events, { expectedRevision: 'no_stream' }),
    ]);
    expect(commits).toHaveLength(1);
    expect(first.idempotentReplay).toBe(false);
    expect(retry).toEqual({ ...first, idempotentReplay: true });

    const later: AppendResult = await store.appendToStream('customer-1', events);
    expect(later).toEqual({ ...first, idempotentReplay: true });
    expect(commits.at(-1)).toMatchObject({ calls: 1, events: 0 });
    expect(await store.readStream('customer-1')).toHaveLength(2);
  });

  it('the same stream twice in one group behaves as two appends one after the other', async () => {
    const { store } = openStore();
    const [first, second, stale] = await settle([
      store.appendToStream('customer-1', [anEvent()], { expectedRevision: 'no_stream' }),
      store.appendToStream('customer-1', [anEvent()], { expectedRevision: 0 }),
      store.appendToStream('customer-1', [anEvent()], { expectedRevision: 0 }),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0 } });
    expect(second).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1 } });
    expect(stale).toMatchObject({ status: 'rejected', reason: { expected: '0', actual: 1 } });
  });

  it('fails every member of a group that cannot take the write lock, and writes none of them', async () => {
    const { store, file } = openStore({ busyTimeoutMs: 50 });
    await store.appendToStream('customer-0', [anEvent()]);
    const raw = new Database(file);
    raw.exec('BEGIN IMMEDIATE');
    let outcomes: PromiseSettledResult<AppendResult>[];
    try {
      outcomes = await settle([
        store.appendToStream('customer-1', [anEvent()]),
        store.appendToStream('customer-2', [anEvent()]),
      ]);
    } finally {
      raw.exec('ROLLBACK');
      raw.close();
    }
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailableError);
    }
    expect(await store.readStream('customer-1')).toEqual([]);
    expect((await store.appendToStream('customer-2', [anEvent()])).nextExpectedRevision).toBe(0);
  });

  it('commits and answers appends still queued when the store is closed', async () => {
    const { store, file } = openStore();
    const event = anEvent();
    const pending = store.appendToStream('customer-1', [event]);
    await store.close();
    expect((await pending).nextExpectedRevision).toBe(0);
    const reopened = new SqliteEventStore(file);
    open.push(reopened);
    expect(ids(await reopened.readStream('customer-1'))).toEqual([event.eventId]);
  });

  it('processes whose concurrent callers group their commits still share one file correctly', async () => {
    const { store, file } = openStore();
    await store.appendToStream('shared', [anEvent()]);

    const writers = await runWriterProcesses(file, 'shared', {
      processes: 3,
      callersPerProcess: 4,
      rounds: 20,
      batchSize: 2,
    });

    const expectedCount = 1 + 3 * 4 * 20 * 2;
    const stream = await store.readStream('shared');
    expect(stream.map((e) => e.streamRevision)).toEqual(Array.from({ length: expectedCount }, (_, i) => i));
    expect(new Set(ids(stream)).size).toBe(expectedCount);
    const byId = new Map(stream.map((e) => [e.eventId, e]));
    const batches = writers.flatMap((w) => w.batches);
    expect(batches).toHaveLength(3 * 4 * 20);
    for (const batch of batches) {
      const first = byId.get(batch[0].eventId);
      batch.forEach((written, i) => {
        const stored = byId.get(written.eventId);
        expect(stored?.globalPosition.toString()).toBe(written.globalPosition);
        expect(stored?.streamRevision).toBe(written.streamRevision);
        expect(stored?.streamRevision).toBe((first?.streamRevision ?? Number.NaN) + i);
      });
    }
  }, 120_000);
});
