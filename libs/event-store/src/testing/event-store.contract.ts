import { PartialDuplicateAppendError, WrongExpectedRevisionError } from '../event-store.errors';
import type { AllSubscription, EventStore, EventToAppend, ExpectedRevision } from '../event-store.port';
import {
  anEvent,
  delay,
  expectStrictlyIncreasing,
  ids,
  positions,
  someEvents,
  SubscriptionReader,
  uniqueId,
  within,
} from './event-store.fixtures';

export interface EventStoreContractOptions {
  /**
   * Opens a second store over the same storage as `store` (in production: another process). When given,
   * concurrency and subscription cases also run across the two instances.
   */
  connectAnother?: (store: EventStore) => Promise<EventStore>;
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SLOW = 60_000;

/** The one behavioural contract every EventStore adapter passes. Stream ids are unique per test. */
export function describeEventStoreContract(
  name: string,
  factory: () => Promise<EventStore>,
  options: EventStoreContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let opened: EventStore[] = [];
    let subscriptions: AllSubscription[] = [];

    beforeEach(async () => {
      store = await factory();
      opened = [store];
      subscriptions = [];
    });

    afterEach(async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      for (const each of opened.reverse()) await each.close();
    });

    const subscribe = (target: EventStore, ...args: Parameters<EventStore['subscribeToAll']>) => {
      const subscription = target.subscribeToAll(...args);
      subscriptions.push(subscription);
      return new SubscriptionReader(subscription);
    };

    /** The store itself and, when the adapter supports it, a second instance over the same storage. */
    const instances = async (): Promise<EventStore[]> => {
      if (!options.connectAnother) return [store];
      const other = await options.connectAnother(store);
      opened.push(other);
      return [store, other];
    };

    const expectConflict = async (
      append: Promise<unknown>,
      expected: { streamId: string; expected: ExpectedRevision; actual: number },
    ) => {
      const error = await append.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      const conflict = error as WrongExpectedRevisionError;
      expect(conflict.code).toBe('REVISION_CONFLICT');
      expect(conflict.streamId).toBe(expected.streamId);
      expect(conflict.expected).toBe(String(expected.expected));
      expect(conflict.actual).toBe(expected.actual);
    };

    describe('appendToStream', () => {
      it('appends to a new stream with revisions 0..n-1 and increasing global positions', async () => {
        const streamId = uniqueId('contract-new');
        const batch = someEvents(3);

        const first = await store.appendToStream(streamId, batch);

        expect(first.idempotentReplay).toBe(false);
        expect(ids(first.events)).toEqual(ids(batch));
        expect(first.events.map((e) => e.streamRevision)).toEqual([0, 1, 2]);
        expect(typeof first.position).toBe('bigint');
        expectStrictlyIncreasing(positions(first.events));
        expect(first.position).toBe(first.events[2].globalPosition);
        expect(first.nextExpectedRevision).toBe(2);

        const second = await store.appendToStream(streamId, someEvents(2));
        expect(second.events.map((e) => e.streamRevision)).toEqual([3, 4]);
        expect(second.nextExpectedRevision).toBe(4);
        expectStrictlyIncreasing([first.position, ...positions(second.events)]);
      });

      it('reads back every field as appended, with recordedAt set by the store', async () => {
        const streamId = uniqueId('contract-fields');
        const batch = [anEvent({ occurredAt: '2023-12-31T23:59:59.123Z' }), anEvent({ type: 'OtherThing' })];
        const result = await store.appendToStream(streamId, batch);

        const read = await store.readStream(streamId);

        expect(read).toHaveLength(2);
        read.forEach((event, i) => {
          expect(event.streamId).toBe(streamId);
          expect(event.streamRevision).toBe(i);
          expect(event.globalPosition).toBe(result.events[i].globalPosition);
          expect(event.eventId).toBe(batch[i].eventId);
          expect(event.type).toBe(batch[i].type);
          expect(event.occurredAt).toBe(batch[i].occurredAt);
          expect(event.data).toEqual(batch[i].data);
          expect(event.metadata).toEqual(batch[i].metadata);
          expect(event.recordedAt).toMatch(ISO_UTC_MS);
          expect(Math.abs(Date.parse(event.recordedAt) - Date.now())).toBeLessThan(10 * 60_000);
        });
      });

      it('keeps global order across streams in readAll', async () => {
        const prefix = uniqueId('contract-order');
        const head = await store.headPosition();
        const appended: EventToAppend[] = [];
        for (const stream of ['a', 'b', 'a', 'c', 'b']) {
          const batch = someEvents(2);
          await store.appendToStream(`${prefix}-${stream}`, batch);
          appended.push(...batch);
        }

        const all = await store.readAll({ after: head, streamPrefix: prefix });

        expect(ids(all)).toEqual(ids(appended));
        expectStrictlyIncreasing(positions(all));
        expect(all.map((e) => e.streamId.slice(prefix.length + 1))).toEqual([
          'a',
          'a',
          'b',
          'b',
          'a',
          'a',
          'c',
          'c',
          'b',
          'b',
        ]);
        expect(all.filter((e) => e.streamId === `${prefix}-a`).map((e) => e.streamRevision)).toEqual([
          0, 1, 2, 3,
        ]);
      });

      it('rejects malformed input with a plain error and appends nothing', async () => {
        const streamId = uniqueId('contract-input');
        const twice = anEvent();
        const errors = await Promise.all(
          [
            store.appendToStream(streamId, [twice, anEvent(), { ...twice, type: 'Again' }]),
            store.appendToStream(streamId, []),
            store.appendToStream(streamId, [anEvent({ occurredAt: 'yesterday' })]),
          ].map((append) =>
            append.then(
              () => undefined,
              (e: unknown) => e,
            ),
          ),
        );

        for (const error of errors) {
          expect(error).toBeInstanceOf(Error);
          expect(error).not.toBeInstanceOf(WrongExpectedRevisionError);
          expect(error).not.toBeInstanceOf(PartialDuplicateAppendError);
        }
        expect((errors[0] as Error).message).toContain(twice.eventId);
        expect(await store.readStream(streamId)).toEqual([]);
      });
    });

    describe('expected revision', () => {
      const withEvents = async (count: number) => {
        const streamId = uniqueId('contract-rev');
        if (count > 0) await store.appendToStream(streamId, someEvents(count));
        return streamId;
      };

      it("'any' (explicit or by default) appends to new and existing streams", async () => {
        const streamId = uniqueId('contract-any');
        expect((await store.appendToStream(streamId, [anEvent()])).nextExpectedRevision).toBe(0);
        const explicit = await store.appendToStream(streamId, [anEvent()], { expectedRevision: 'any' });
        expect(explicit.nextExpectedRevision).toBe(1);
        const fresh = await store.appendToStream(uniqueId('contract-any'), [anEvent()], {
          expectedRevision: 'any',
        });
        expect(fresh.events[0].streamRevision).toBe(0);
      });

      it("'no_stream' appends to a new stream", async () => {
        const result = await store.appendToStream(await withEvents(0), someEvents(2), {
          expectedRevision: 'no_stream',
        });
        expect(result.events.map((e) => e.streamRevision)).toEqual([0, 1]);
      });

      it("'no_stream' on an existing stream is a conflict carrying the actual revision; nothing is appended", async () => {
        const streamId = await withEvents(2);
        await expectConflict(store.appendToStream(streamId, [anEvent()], { expectedRevision: 'no_stream' }), {
          streamId,
          expected: 'no_stream',
          actual: 1,
        });
        expect(await store.readStream(streamId)).toHaveLength(2);
      });

      it("'stream_exists' on a new stream is a conflict with actual -1; nothing is appended", async () => {
        const streamId = await withEvents(0);
        await expectConflict(
          store.appendToStream(streamId, [anEvent()], { expectedRevision: 'stream_exists' }),
          {
            streamId,
            expected: 'stream_exists',
            actual: -1,
          },
        );
        expect(await store.readStream(streamId)).toEqual([]);
      });

      it("'stream_exists' appends to an existing stream", async () => {
        const streamId = await withEvents(1);
        const result = await store.appendToStream(streamId, [anEvent()], {
          expectedRevision: 'stream_exists',
        });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('an exact revision equal to the last event appends', async () => {
        const streamId = await withEvents(3);
        const result = await store.appendToStream(streamId, someEvents(2), { expectedRevision: 2 });
        expect(result.events.map((e) => e.streamRevision)).toEqual([3, 4]);
        const next = await store.appendToStream(streamId, [anEvent()], {
          expectedRevision: result.nextExpectedRevision,
        });
        expect(next.nextExpectedRevision).toBe(5);
      });

      it('a wrong exact revision (stale, ahead, or on a missing stream) is a conflict carrying the actual revision', async () => {
        const streamId = await withEvents(3);
        await expectConflict(store.appendToStream(streamId, [anEvent()], { expectedRevision: 1 }), {
          streamId,
          expected: 1,
          actual: 2,
        });
        await expectConflict(store.appendToStream(streamId, [anEvent()], { expectedRevision: 7 }), {
          streamId,
          expected: 7,
          actual: 2,
        });
        const missing = await withEvents(0);
        await expectConflict(store.appendToStream(missing, [anEvent()], { expectedRevision: 0 }), {
          streamId: missing,
          expected: 0,
          actual: -1,
        });
        expect(await store.readStream(streamId)).toHaveLength(3);
        expect(await store.readStream(missing)).toEqual([]);
      });
    });

    describe('idempotency', () => {
      it('a retry returns the original result and appends nothing', async () => {
        const streamId = uniqueId('contract-retry');
        const batch = someEvents(3);
        const original = await store.appendToStream(streamId, batch, { expectedRevision: 'no_stream' });

        const retry = await store.appendToStream(streamId, batch, { expectedRevision: 'no_stream' });

        expect(retry).toEqual({ ...original, idempotentReplay: true });
        expect(await store.readStream(streamId)).toHaveLength(3);
        expect(await store.headPosition()).toBe(original.position);
      });

      it('a retry whose expected revision is now stale still returns the original result', async () => {
        const streamId = uniqueId('contract-stale-retry');
        await store.appendToStream(streamId, [anEvent()]);
        const batch = someEvents(2);
        const original = await store.appendToStream(streamId, batch, { expectedRevision: 0 });
        await store.appendToStream(streamId, someEvents(2), { expectedRevision: 2 });

        for (const expectedRevision of [0, 'no_stream', 'stream_exists', 'any'] as const) {
          const retry = await store.appendToStream(streamId, batch, { expectedRevision });
          expect(retry).toEqual({ ...original, idempotentReplay: true });
        }
        expect(await store.readStream(streamId)).toHaveLength(5);
      });

      it('a retry of part of an earlier batch returns where those events were recorded', async () => {
        const streamId = uniqueId('contract-subset');
        const batch = someEvents(4);
        const original = await store.appendToStream(streamId, batch);

        const retry = await store.appendToStream(streamId, [batch[1], batch[2]], { expectedRevision: 3 });

        expect(retry.idempotentReplay).toBe(true);
        expect(retry.events).toEqual([original.events[1], original.events[2]]);
        expect(retry.nextExpectedRevision).toBe(2);
        expect(retry.position).toBe(original.events[2].globalPosition);
        expect(await store.readStream(streamId)).toHaveLength(4);
      });

      it('a partial duplicate is rejected, names the duplicates, and appends nothing', async () => {
        const streamId = uniqueId('contract-partial');
        const batch = someEvents(2);
        await store.appendToStream(streamId, batch);

        const error = await store.appendToStream(streamId, [anEvent(), batch[1], anEvent()]).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect(error).toBeInstanceOf(PartialDuplicateAppendError);
        expect((error as PartialDuplicateAppendError).code).toBe('DUPLICATE_EVENT_ID');
        expect((error as PartialDuplicateAppendError).streamId).toBe(streamId);
        expect((error as PartialDuplicateAppendError).duplicateEventIds).toEqual([batch[1].eventId]);
        expect(ids(await store.readStream(streamId))).toEqual(ids(batch));
      });

      it('idempotency is checked before the expected revision', async () => {
        const streamId = uniqueId('contract-order-of-checks');
        const batch = someEvents(2);
        await store.appendToStream(streamId, batch);
        const error = await store
          .appendToStream(streamId, [batch[0], anEvent()], { expectedRevision: 'no_stream' })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(PartialDuplicateAppendError);
      });

      it('event ids are scoped to their stream', async () => {
        const event = anEvent();
        const first = await store.appendToStream(uniqueId('contract-scope'), [event]);
        const second = await store.appendToStream(uniqueId('contract-scope'), [event]);
        expect(second.idempotentReplay).toBe(false);
        expect(second.position > first.position).toBe(true);
      });
    });

    describe('appendToStreams', () => {
      const bulk = (target: EventStore, appends: Parameters<EventStore['appendToStreams']>[0]) =>
        target.appendToStreams(appends);

      it('appends to several streams in one call: one result per append, in order, positions increasing', async () => {
        const prefix = uniqueId('contract-bulk');
        const head = await store.headPosition();
        const appends = [
          { streamId: `${prefix}-a`, events: someEvents(2) },
          { streamId: `${prefix}-b`, events: someEvents(1) },
          { streamId: `${prefix}-c`, events: someEvents(3) },
        ];

        const results = await bulk(store, appends);

        expect(results).toHaveLength(3);
        results.forEach((result, i) => {
          expect(result.idempotentReplay).toBe(false);
          expect(ids(result.events)).toEqual(ids(appends[i].events));
          expect(result.events.map((e) => e.streamRevision)).toEqual(appends[i].events.map((_, r) => r));
          expect(result.nextExpectedRevision).toBe(appends[i].events.length - 1);
          expect(result.position).toBe(result.events[result.events.length - 1].globalPosition);
        });
        expectStrictlyIncreasing(results.flatMap((result) => positions(result.events)));
        for (const [i, { streamId }] of appends.entries()) {
          const read = await store.readStream(streamId);
          expect(ids(read)).toEqual(ids(appends[i].events));
          expect(positions(read)).toEqual(positions(results[i].events));
        }
        const all = await store.readAll({ after: head, streamPrefix: prefix });
        expect(ids(all)).toEqual(appends.flatMap((append) => ids(append.events)));
        expect(await store.headPosition()).toBe(results[2].position);
      });

      it('checks each append against its own stream and expected revision', async () => {
        const prefix = uniqueId('contract-bulk-rev');
        await store.appendToStream(`${prefix}-old`, someEvents(2));

        const results = await bulk(store, [
          { streamId: `${prefix}-old`, events: [anEvent()], expectedRevision: 1 },
          { streamId: `${prefix}-new`, events: someEvents(2), expectedRevision: 'no_stream' },
          { streamId: `${prefix}-old`, events: [anEvent()], expectedRevision: 'stream_exists' },
          { streamId: `${prefix}-any`, events: [anEvent()] },
        ]);
        expect(results.map((r) => r.events.map((e) => e.streamRevision))).toEqual([[2], [0, 1], [3], [0]]);

        // A conflict in the first append of a call: nothing of that call is written, on any adapter.
        const later = {
          streamId: `${prefix}-later`,
          events: [anEvent()],
          expectedRevision: 'no_stream' as const,
        };
        await expectConflict(
          bulk(store, [
            { streamId: `${prefix}-new`, events: [anEvent()], expectedRevision: 'no_stream' },
            later,
          ]),
          { streamId: `${prefix}-new`, expected: 'no_stream', actual: 1 },
        );
        await expectConflict(
          bulk(store, [{ streamId: `${prefix}-old`, events: [anEvent()], expectedRevision: 2 }, later]),
          { streamId: `${prefix}-old`, expected: 2, actual: 3 },
        );
        expect(await store.readStream(`${prefix}-old`)).toHaveLength(4);
        expect(await store.readStream(`${prefix}-later`)).toEqual([]);
      });

      it('a retry of a whole call returns the original results and appends nothing', async () => {
        const prefix = uniqueId('contract-bulk-retry');
        const appends = [
          { streamId: `${prefix}-a`, events: someEvents(2), expectedRevision: 'no_stream' as const },
          { streamId: `${prefix}-b`, events: someEvents(1), expectedRevision: 'no_stream' as const },
        ];
        const original = await bulk(store, appends);
        const head = await store.headPosition();

        const retry = await bulk(store, appends);

        expect(retry).toEqual(original.map((result) => ({ ...result, idempotentReplay: true })));
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(`${prefix}-a`)).toHaveLength(2);

        // Retried with new appends mixed in: the replays return the originals, the new ones are appended.
        const extra = {
          streamId: `${prefix}-c`,
          events: [anEvent()],
          expectedRevision: 'no_stream' as const,
        };
        const mixed = await bulk(store, [appends[0], extra, appends[1]]);
        expect(mixed.map((r) => r.idempotentReplay)).toEqual([true, false, true]);
        expect(mixed[1].position > head).toBe(true);
      });

      it('the same stream twice in one call: the later append sees the earlier one', async () => {
        const streamId = uniqueId('contract-bulk-twice');
        const first = someEvents(2);
        const second = [anEvent()];

        const results = await bulk(store, [
          { streamId, events: first, expectedRevision: 'no_stream' },
          { streamId: uniqueId('contract-bulk-other'), events: [anEvent()] },
          { streamId, events: second, expectedRevision: 1 },
          { streamId, events: first, expectedRevision: 'no_stream' }, // a repeat: an idempotent replay
        ]);

        expect(results[0].events.map((e) => e.streamRevision)).toEqual([0, 1]);
        expect(results[2].events.map((e) => e.streamRevision)).toEqual([2]);
        expect(results[3]).toEqual({ ...results[0], idempotentReplay: true });
        expect(ids(await store.readStream(streamId))).toEqual(ids([...first, ...second]));
      });

      it('checks the input of every append before writing anything, and takes no appends', async () => {
        const prefix = uniqueId('contract-bulk-input');
        const error = await bulk(store, [
          { streamId: `${prefix}-a`, events: [anEvent()] },
          { streamId: `${prefix}-b`, events: [] },
        ]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(`${prefix}-a`)).toEqual([]);
        expect(await bulk(store, [])).toEqual([]);
      });

      it('wakes subscriptions with the whole call, in order', async () => {
        const prefix = uniqueId('contract-bulk-sub');
        const reader = subscribe(store, { after: await store.headPosition(), streamPrefix: prefix });
        const pending = reader.take(4);
        await delay(20);
        const appends = [
          { streamId: `${prefix}-a`, events: someEvents(2) },
          { streamId: `${prefix}-b`, events: someEvents(2) },
        ];
        await bulk(store, appends);
        expect(ids(await pending)).toEqual(appends.flatMap((append) => ids(append.events)));
      });

      it(
        "concurrent calls over the same streams with 'any': every append lands whole and contiguous",
        async () => {
          const targets = await instances();
          const prefix = uniqueId('contract-bulk-race');
          const calls = Array.from({ length: 10 }, () =>
            ['a', 'b', 'c'].map((s) => ({ streamId: `${prefix}-${s}`, events: someEvents(2) })),
          );

          const results = await Promise.all(calls.map((call, i) => bulk(targets[i % targets.length], call)));

          for (const s of ['a', 'b', 'c']) {
            const stream = await store.readStream(`${prefix}-${s}`);
            expect(stream.map((e) => e.streamRevision)).toEqual(Array.from({ length: 20 }, (_, i) => i));
          }
          results.forEach((callResults, i) =>
            callResults.forEach((result, j) => {
              const [first, second] = result.events.map((e) => e.streamRevision);
              expect(second).toBe(first + 1);
              expect(ids(result.events)).toEqual(ids(calls[i][j].events));
            }),
          );
        },
        SLOW,
      );
    });

    describe('readStream', () => {
      it('reads a missing stream as empty', async () => {
        expect(await store.readStream(uniqueId('contract-missing'))).toEqual([]);
      });

      it('honours fromRevision and maxCount', async () => {
        const streamId = uniqueId('contract-window');
        const batch = someEvents(6);
        await store.appendToStream(streamId, batch);
        const revisions = async (opts: Parameters<EventStore['readStream']>[1]) =>
          (await store.readStream(streamId, opts)).map((e) => e.streamRevision);

        expect(await revisions({ fromRevision: 2 })).toEqual([2, 3, 4, 5]);
        expect(await revisions({ maxCount: 2 })).toEqual([0, 1]);
        expect(await revisions({ fromRevision: 3, maxCount: 2 })).toEqual([3, 4]);
        expect(await revisions({ fromRevision: 5, maxCount: 10 })).toEqual([5]);
        expect(await revisions({ fromRevision: 6 })).toEqual([]);
        expect(ids(await store.readStream(streamId, { fromRevision: 1, maxCount: 1 }))).toEqual([
          batch[1].eventId,
        ]);
      });

      it('until.occurredAt is inclusive and compares instants, whatever the business-time order', async () => {
        const streamId = uniqueId('contract-occurred');
        const at = (occurredAt: string) => anEvent({ occurredAt });
        const batch = [
          at('2025-01-01T10:00:00.000Z'),
          at('2025-01-01T12:00:00Z'),
          at('2025-01-01T13:00:00+02:00'), // 11:00Z, recorded after the 12:00Z one
          at('2025-01-01T11:30:00.000Z'),
        ];
        await store.appendToStream(streamId, batch);
        const until = async (occurredAt: string, extra: { maxCount?: number } = {}) =>
          ids(await store.readStream(streamId, { until: { occurredAt }, ...extra }));
        const [e0, e1, e2, e3] = ids(batch);

        expect(await until('2025-01-01T09:59:59.999Z')).toEqual([]);
        expect(await until('2025-01-01T10:00:00Z')).toEqual([e0]);
        expect(await until('2025-01-01T11:00:00.000Z')).toEqual([e0, e2]);
        expect(await until('2025-01-01T13:30:00+02:00')).toEqual([e0, e2, e3]);
        expect(await until('2025-01-01T12:00:00.000Z')).toEqual([e0, e1, e2, e3]);
        expect(await until('2025-01-01T12:00:00.000Z', { maxCount: 2 })).toEqual([e0, e1]);
      });

      it('until.recordedAt is inclusive', async () => {
        const streamId = uniqueId('contract-recorded');
        const first = anEvent();
        await store.appendToStream(streamId, [first]);
        const [recordedFirst] = await store.readStream(streamId);
        await delay(25); // let the store's clock move past the first append
        await store.appendToStream(streamId, someEvents(2));
        const all = await store.readStream(streamId);
        expect(Date.parse(all[1].recordedAt)).toBeGreaterThan(Date.parse(recordedFirst.recordedAt));

        const until = async (recordedAt: string) =>
          ids(await store.readStream(streamId, { until: { recordedAt } }));
        expect(await until(recordedFirst.recordedAt)).toEqual([first.eventId]);
        expect(await until(new Date(Date.parse(recordedFirst.recordedAt) - 1).toISOString())).toEqual([]);
        expect(await until(all[2].recordedAt)).toEqual(ids(all));
      });

      it('until.position is inclusive', async () => {
        const streamId = uniqueId('contract-position');
        const result = await store.appendToStream(streamId, someEvents(4));
        const until = async (position: bigint) =>
          ids(await store.readStream(streamId, { until: { position } }));

        expect(await until(result.events[1].globalPosition)).toEqual(ids(result.events.slice(0, 2)));
        expect(await until(result.events[0].globalPosition - 1n)).toEqual([]);
        expect(await until(result.position)).toEqual(ids(result.events));
      });
    });

    describe('readStreams', () => {
      it('answers each read as readStream would, in the order asked, missing streams empty', async () => {
        const [a, b, missing] = ['contract-many-a', 'contract-many-b', 'contract-many-x'].map(uniqueId);
        const eventsA = someEvents(4);
        const eventsB = someEvents(2);
        await store.appendToStreams([
          { streamId: a, events: eventsA },
          { streamId: b, events: eventsB },
        ]);

        const read = await store.readStreams([
          { streamId: b },
          { streamId: missing },
          { streamId: a, fromRevision: 2 },
          { streamId: a },
          { streamId: a, fromRevision: 4 },
        ]);

        expect(read.map(ids)).toEqual([ids(eventsB), [], ids(eventsA.slice(2)), ids(eventsA), []]);
        expect(read[2].map((e) => e.streamRevision)).toEqual([2, 3]);
        expect(read[3]).toEqual(await store.readStream(a));
        expect(read[0]).toEqual(await store.readStream(b));
      });

      it('takes no reads', async () => {
        expect(await store.readStreams([])).toEqual([]);
      });
    });

    describe('readAll', () => {
      const appendAcross = async (prefix: string, streams: string[]) => {
        const appended: EventToAppend[] = [];
        for (const stream of streams) {
          const batch = someEvents(2);
          await store.appendToStream(`${prefix}-${stream}`, batch);
          appended.push(...batch);
        }
        return appended;
      };

      it('reads strictly after a position', async () => {
        const prefix = uniqueId('contract-after');
        const head = await store.headPosition();
        const appended = await appendAcross(prefix, ['a', 'b', 'a']);
        const all = await store.readAll({ after: head, streamPrefix: prefix });
        expect(ids(all)).toEqual(ids(appended));

        const afterSecond = await store.readAll({ after: all[1].globalPosition, streamPrefix: prefix });
        expect(ids(afterSecond)).toEqual(ids(appended.slice(2)));
        expect(await store.readAll({ after: all[5].globalPosition, streamPrefix: prefix })).toEqual([]);
      });

      it('pages with maxCount', async () => {
        const prefix = uniqueId('contract-pages');
        const head = await store.headPosition();
        const appended = await appendAcross(prefix, ['a', 'b', 'c', 'a']);
        const pages: string[][] = [];
        let after = head;
        for (let page = 0; page < 10; page++) {
          const batch = await store.readAll({ after, maxCount: 3, streamPrefix: prefix });
          if (batch.length === 0) break;
          expect(batch.length).toBeLessThanOrEqual(3);
          pages.push(ids(batch));
          after = batch[batch.length - 1].globalPosition;
        }
        expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
        expect(pages.flat()).toEqual(ids(appended));
      });

      it('returns at most 1,000 events by default', async () => {
        const prefix = uniqueId('contract-default-batch');
        const head = await store.headPosition();
        for (let i = 0; i < 11; i++) await store.appendToStream(`${prefix}-s`, someEvents(100));
        const batch = await store.readAll({ after: head, streamPrefix: prefix });
        expect(batch).toHaveLength(1_000);
        expect(batch[999].streamRevision).toBe(999);
      });

      it('filters by stream prefix, literally', async () => {
        const prefix = uniqueId('contract_pfx%'); // _ and % must not act as wildcards
        const head = await store.headPosition();
        const wanted = await appendAcross(prefix, ['a', 'b']);
        await store.appendToStream(`${prefix.replace('_', 'X').replace('%', 'Y')}-decoy`, someEvents(1));
        await store.appendToStream(`other-${prefix}-decoy`, someEvents(1));
        await store.appendToStream(`${prefix}`.toUpperCase() + '-decoy', someEvents(1));

        const all = await store.readAll({ after: head, streamPrefix: prefix });

        expect(ids(all)).toEqual(ids(wanted));
        const everything = await store.readAll({ after: head, maxCount: 100 });
        expect(everything.length).toBeGreaterThanOrEqual(7);
      });

      it('reads from the very start when no position is given', async () => {
        const result = await store.appendToStream(uniqueId('contract-start'), [anEvent()]);
        const [first] = await store.readAll({ maxCount: 1 });
        expect(first).toBeDefined();
        expect(first.globalPosition <= result.position).toBe(true);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up with history, then delivers later appends live, in order and without duplicates', async () => {
        const prefix = uniqueId('contract-sub');
        const head = await store.headPosition();
        const history = [...someEvents(2), anEvent()];
        await store.appendToStream(`${prefix}-a`, history.slice(0, 2));
        await store.appendToStream(`${prefix}-b`, history.slice(2));
        await store.appendToStream(uniqueId('contract-elsewhere'), someEvents(2));

        const reader = subscribe(store, { after: head, streamPrefix: prefix });
        const caughtUp = await reader.take(3);
        expect(ids(caughtUp)).toEqual(ids(history));
        expectStrictlyIncreasing(positions(caughtUp));

        const live = someEvents(2);
        const liveResult = await store.appendToStream(`${prefix}-a`, live);
        await store.appendToStream(`${prefix}-a`, live); // an idempotent replay delivers nothing
        const delivered = await reader.take(2);
        expect(ids(delivered)).toEqual(ids(live));
        expect(positions(delivered)).toEqual(positions(liveResult.events));
        expect(delivered.map((e) => e.streamRevision)).toEqual([2, 3]);

        const sentinel = anEvent();
        await store.appendToStream(`${prefix}-c`, [sentinel]);
        expect(ids(await reader.take(1))).toEqual([sentinel.eventId]); // nothing extra came before it
      });

      it('starts strictly after the given position', async () => {
        const prefix = uniqueId('contract-sub-after');
        const result = await store.appendToStream(`${prefix}-a`, someEvents(3));
        const reader = subscribe(store, { after: result.events[0].globalPosition, streamPrefix: prefix });
        expect(ids(await reader.take(2))).toEqual(ids(result.events.slice(1)));
      });

      it('starts from the very beginning when no position is given', async () => {
        const prefix = uniqueId('contract-sub-start');
        const batch = someEvents(2);
        await store.appendToStream(`${prefix}-a`, batch);
        const reader = subscribe(store, { streamPrefix: prefix });
        expect(ids(await reader.take(2, 15_000))).toEqual(ids(batch));
      });

      it('serves several subscriptions at once', async () => {
        const prefix = uniqueId('contract-subs');
        const head = await store.headPosition();
        const readers = [1, 2, 3].map(() => subscribe(store, { after: head, streamPrefix: prefix }));
        const pending = readers.map((reader) => reader.take(5));
        const batch = someEvents(5);
        await store.appendToStream(`${prefix}-a`, batch.slice(0, 2));
        await store.appendToStream(`${prefix}-b`, batch.slice(2));
        for (const taken of await Promise.all(pending)) expect(ids(taken)).toEqual(ids(batch));
      });

      it('close() ends a pending next() and the iteration', async () => {
        const reader = subscribe(store, {
          after: await store.headPosition(),
          streamPrefix: uniqueId('contract-idle'),
        });
        const pending = reader.next(5_000);
        await delay(20);
        await reader.subscription.close();
        await expect(pending).resolves.toEqual({ done: true, value: undefined });
        await expect(reader.next(1_000)).resolves.toEqual({ done: true, value: undefined });
      });

      it('breaking out of for-await closes the subscription', async () => {
        const prefix = uniqueId('contract-break');
        await store.appendToStream(`${prefix}-a`, someEvents(3));
        const subscription = store.subscribeToAll({ streamPrefix: prefix });
        subscriptions.push(subscription);
        const seen: string[] = [];
        const loop = (async () => {
          for await (const event of subscription) {
            seen.push(event.eventId);
            if (seen.length === 2) break;
          }
        })();
        await within(loop, 15_000, 'the for-await loop to end');
        expect(seen).toHaveLength(2);
        await expect(within(subscription[Symbol.asyncIterator]().next(), 1_000, 'done')).resolves.toEqual({
          done: true,
          value: undefined,
        });
      });

      it('closing the store ends its open subscriptions', async () => {
        const own = await factory();
        const subscription = own.subscribeToAll({
          after: await own.headPosition(),
          streamPrefix: uniqueId('x'),
        });
        const pending = subscription[Symbol.asyncIterator]().next();
        await delay(20);
        await own.close();
        await expect(within(pending, 5_000, 'done')).resolves.toEqual({ done: true, value: undefined });
      });

      // Only storages another instance can open (not `:memory:`) have this case at all.
      const itWithAnotherInstance = options.connectAnother ? it : () => undefined;
      itWithAnotherInstance('sees appends made through another instance on the same storage', async () => {
        const [, other] = await instances();
        const prefix = uniqueId('contract-cross');
        const reader = subscribe(store, { after: await store.headPosition(), streamPrefix: prefix });
        const batch = someEvents(3);
        await other.appendToStream(`${prefix}-a`, batch.slice(0, 1));
        await other.appendToStream(`${prefix}-a`, batch.slice(1));
        expect(ids(await reader.take(3))).toEqual(ids(batch));
      });
    });

    describe('countAll', () => {
      it("counts the events after a position, of the prefix only, with the first one's recordedAt", async () => {
        const prefix = uniqueId('contract-count');
        const head = await store.headPosition();
        expect(await store.countAll({ after: head, streamPrefix: prefix })).toEqual({
          count: 0,
          atLeast: false,
          firstRecordedAt: null,
        });
        await store.appendToStream(`${prefix}-a`, someEvents(2));
        await store.appendToStream(`other-${prefix}`, someEvents(3));
        await store.appendToStream(`${prefix}-b`, someEvents(1));
        const mine = await store.readAll({ after: head, streamPrefix: prefix });

        const counted = await store.countAll({ after: head, streamPrefix: prefix });
        expect(counted).toEqual({ count: 3, atLeast: false, firstRecordedAt: mine[0].recordedAt });
        expect(await store.countAll({ after: mine[0].globalPosition, streamPrefix: prefix })).toEqual({
          count: 2,
          atLeast: false,
          firstRecordedAt: mine[1].recordedAt,
        });
        expect((await store.countAll({ after: head })).count).toBe(6);
        expect(await store.countAll({ after: mine[2].globalPosition, streamPrefix: prefix })).toEqual({
          count: 0,
          atLeast: false,
          firstRecordedAt: null,
        });
      });

      it('counts past what one readAll returns, without a cap of its own', async () => {
        const prefix = uniqueId('contract-count-many');
        const head = await store.headPosition();
        for (let i = 0; i < 13; i++) await store.appendToStream(`${prefix}-s`, someEvents(100));
        expect(await store.countAll({ after: head, streamPrefix: prefix })).toMatchObject({
          count: 1_300,
          atLeast: false,
        });
        expect((await store.countAll()).count).toBeGreaterThanOrEqual(1_300);
      });
    });

    describe('headPosition and ping', () => {
      it('headPosition is the position of the newest event', async () => {
        const first = await store.appendToStream(uniqueId('contract-head'), someEvents(2));
        expect(await store.headPosition()).toBe(first.position);
        const second = await store.appendToStream(uniqueId('contract-head'), [anEvent()]);
        expect(await store.headPosition()).toBe(second.position);
      });

      it('ping resolves', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('concurrency', () => {
      it(
        '50 concurrent appends expecting the same revision: exactly one wins, the others conflict',
        async () => {
          const targets = await instances();
          const streamId = uniqueId('contract-race');
          await store.appendToStream(streamId, [anEvent()]);
          const writers = Array.from({ length: 50 }, (_, i) => ({
            target: targets[i % targets.length],
            event: anEvent(),
          }));
          const seen = await Promise.all(writers.map(({ target }) => target.readStream(streamId)));

          const outcomes = await Promise.allSettled(
            writers.map(({ target, event }, i) =>
              target.appendToStream(streamId, [event], {
                expectedRevision: seen[i][seen[i].length - 1].streamRevision,
              }),
            ),
          );

          const winners = outcomes.flatMap((o, i) =>
            o.status === 'fulfilled' ? [writers[i].event.eventId] : [],
          );
          expect(winners).toHaveLength(1);
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected') {
              expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
              expect((outcome.reason as WrongExpectedRevisionError).actual).toBe(1);
            }
          }
          const stream = await store.readStream(streamId);
          expect(stream.map((e) => e.streamRevision)).toEqual([0, 1]);
          expect(stream[1].eventId).toBe(winners[0]);
        },
        SLOW,
      );

      it(
        '50 writers retrying on conflict: one winner per revision, nothing lost or duplicated',
        async () => {
          const targets = await instances();
          const streamId = uniqueId('contract-retry-race');
          const writers = Array.from({ length: 50 }, (_, i) => ({
            target: targets[i % targets.length],
            event: anEvent(),
          }));
          let conflicts = 0;

          const results = await Promise.all(
            writers.map(async ({ target, event }) => {
              for (let attempt = 0; attempt < 1_000; attempt++) {
                const current = await target.readStream(streamId);
                const expectedRevision =
                  current.length === 0 ? 'no_stream' : current[current.length - 1].streamRevision;
                try {
                  return await target.appendToStream(streamId, [event], { expectedRevision });
                } catch (error) {
                  if (!(error instanceof WrongExpectedRevisionError)) throw error;
                  conflicts += 1;
                }
              }
              throw new Error('writer gave up');
            }),
          );

          const stream = await store.readStream(streamId);
          expect(stream.map((e) => e.streamRevision)).toEqual(Array.from({ length: 50 }, (_, i) => i));
          expect(new Set(ids(stream))).toEqual(new Set(ids(writers.map((w) => w.event))));
          results.forEach((result, i) => {
            expect(result.idempotentReplay).toBe(false);
            expect(stream[result.events[0].streamRevision].eventId).toBe(writers[i].event.eventId);
            expect(stream[result.events[0].streamRevision].globalPosition).toBe(result.position);
          });
          expect(conflicts).toBeGreaterThan(0);
        },
        SLOW,
      );

      it(
        "50 concurrent batches with 'any': every batch lands whole and contiguous",
        async () => {
          const targets = await instances();
          const streamId = uniqueId('contract-any-race');
          const batches = Array.from({ length: 50 }, () => someEvents(3));

          const results = await Promise.all(
            batches.map((batch, i) => targets[i % targets.length].appendToStream(streamId, batch)),
          );

          const stream = await store.readStream(streamId);
          expect(stream).toHaveLength(150);
          expect(stream.map((e) => e.streamRevision)).toEqual(Array.from({ length: 150 }, (_, i) => i));
          expectStrictlyIncreasing(positions(stream));
          results.forEach((result, i) => {
            const first = result.events[0].streamRevision;
            expect(result.events.map((e) => e.streamRevision)).toEqual([first, first + 1, first + 2]);
            expect(ids(stream.slice(first, first + 3))).toEqual(ids(batches[i]));
          });
        },
        SLOW,
      );
    });
  });
}
