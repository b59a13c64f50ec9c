import { evolve, initialState, isCampaignStream, type CustomerEvent } from '@crm/domain';
import { SqliteEventStore } from '@crm/event-store';
import { generate } from '../generate';
import { EventStoreSink, GeneratedEventsRejectedError } from './event-store.sink';

describe('EventStoreSink', () => {
  it('publishes through the write path: a purchase in two currencies is refused by the decider', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      const sink = new EventStoreSink(store);
      const acquired = {
        eventId: '6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e50',
        type: 'CustomerAcquired' as const,
        customerId: 'c-1',
        occurredAt: '2026-01-05T09:00:00Z',
        metadata: { source: 'signup-service' },
        data: { channel: 'organic' as const, profile: {} },
      };
      const purchased = {
        eventId: '6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e51',
        type: 'CustomerPurchased' as const,
        customerId: 'c-1',
        occurredAt: '2026-01-06T09:00:00Z',
        metadata: { source: 'checkout-service' },
        data: {
          orderId: 'o-1',
          amount: { minor: 100, currency: 'EUR' },
          items: [{ sku: 'A', category: 'b', quantity: 1, unitPrice: { minor: 100, currency: 'USD' } }],
        },
      };
      await sink.write({ published: acquired, emitted: [] });
      await sink.write({ published: purchased, emitted: [] });
      await expect(sink.close()).rejects.toMatchObject({
        problems: [expect.objectContaining({ code: 'CURRENCY_MISMATCH' })],
      });
      expect(await store.headPosition()).toBe(0n);
    } finally {
      await store.close();
    }
  });

  it('appends what the decider emits, per customer stream, reactivations included', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      const sink = new EventStoreSink(store, { windowEvents: 300 });
      const summary = await generate({ customers: 400, seed: 12 }, sink);
      const recorded = await store.readAll({ maxCount: 1_000_000 });
      expect(recorded).toHaveLength(summary.events + summary.reactivations);
      expect(summary.reactivations).toBeGreaterThan(0);

      const streams = new Map<string, typeof recorded>();
      const spends = recorded.filter((e) => isCampaignStream(e.streamId));
      for (const e of recorded)
        if (!isCampaignStream(e.streamId)) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
      expect(streams.size).toBe(400);
      // Marketing spend went through the spend entrance into its campaigns' streams.
      expect(spends.length).toBe(summary.byType.MarketingSpendRecorded);
      expect(sink.spendsAppended).toBe(spends.length);
      expect(spends.length).toBeGreaterThan(20);
      expect(spends.every((e) => e.type === 'MarketingSpendRecorded')).toBe(true);
      expect(spends.every((e) => e.streamId === `campaign-${String(e.data.campaign)}`)).toBe(true);
      const broken: string[] = [];
      for (const [streamId, events] of streams) {
        if (events.some((e, i) => e.streamRevision !== i)) broken.push(`${streamId}: revisions`);
        if (events[0].type !== 'CustomerAcquired') broken.push(`${streamId}: starts with ${events[0].type}`);
        let state = initialState();
        for (const e of events) {
          if (e.type === 'CustomerReactivated' && state.status !== 'churned')
            broken.push(`${streamId}: reactivated`);
          state = evolve(state, e as unknown as CustomerEvent);
        }
      }
      expect(broken).toEqual([]);
      const reactivation = recorded.find((e) => e.type === 'CustomerReactivated');
      const purchase = recorded.find((e) => e.eventId === reactivation?.metadata.causationId);
      expect(purchase).toMatchObject({ type: 'CustomerPurchased', streamId: reactivation?.streamId });
      expect(purchase?.streamRevision).toBe((reactivation?.streamRevision ?? 0) + 1);
      expect(reactivation?.metadata).toMatchObject({ schemaVersion: 1, source: 'checkout-service' });
    } finally {
      await store.close();
    }
  });

  it('appends each window in bulk calls, in even shares of about eventsPerCall', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      const bulk = jest.spyOn(store, 'appendToStreams');
      const single = jest.spyOn(store, 'appendToStream');
      const sink = new EventStoreSink(store, { windowEvents: 300, eventsPerCall: 60 });
      // Customer windows only: spend goes one by one through its own entrance (tested above).
      const summary = await generate({ customers: 200, seed: 3, costs: { marketingSpend: false } }, sink);

      expect(single).not.toHaveBeenCalled();
      const calls = bulk.mock.calls.map(([appends]) => appends);
      expect(calls.length).toBeGreaterThan(10);
      expect(sink.appends).toBe(calls.reduce((sum, call) => sum + call.length, 0));
      expect(sink.appended).toBe(summary.events + summary.reactivations);
      const size = (call: (typeof calls)[number]) => call.reduce((sum, a) => sum + a.events.length, 0);
      // No slivers: every call but the close()'s last is about eventsPerCall.
      expect(calls.slice(0, -1).filter((call) => size(call) < 30)).toEqual([]);
      for (const call of calls) {
        expect(size(call) - call[call.length - 1].events.length).toBeLessThan(90); // about 60: even shares
        for (const append of call)
          expect(append.expectedRevision).toEqual(
            append.events[0].type === 'CustomerAcquired' ? 'no_stream' : expect.any(Number),
          );
      }
      expect(Number(await store.headPosition())).toBe(sink.appended);
    } finally {
      await store.close();
    }
  });

  it('rejects bad call sizes', () => {
    const store = {} as SqliteEventStore;
    expect(() => new EventStoreSink(store, { eventsPerCall: 0 })).toThrow(RangeError);
  });

  it('replays a rerun with the same seed idempotently and refuses to append onto existing customers', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      const first = await generate(
        { customers: 150, seed: 4 },
        new EventStoreSink(store, { windowEvents: 200 }),
      );
      const head = await store.headPosition();
      expect(Number(head)).toBe(first.events + first.reactivations);

      const rerun = new EventStoreSink(store, { windowEvents: 200 });
      await generate({ customers: 150, seed: 4 }, rerun);
      expect(await store.headPosition()).toBe(head);
      expect(rerun.appended).toBe(first.events + first.reactivations);

      const other = generate({ customers: 150, seed: 5 }, new EventStoreSink(store, { windowEvents: 200 }));
      await expect(other).rejects.toBeInstanceOf(GeneratedEventsRejectedError);
      await expect(other).rejects.toMatchObject({
        problems: expect.arrayContaining([
          expect.objectContaining({ customerId: 'c-1', code: 'CUSTOMER_ALREADY_ACQUIRED' }),
        ]),
      });
      expect(await store.headPosition()).toBe(head);
    } finally {
      await store.close();
    }
  });
});
