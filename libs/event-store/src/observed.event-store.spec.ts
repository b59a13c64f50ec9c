import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from './event-store.factory';
import { WrongExpectedRevisionError } from './event-store.errors';
import { ObservedEventStore, type AppendObservation } from './observed.event-store';

const event = (n: number) => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'CustomerContacted',
  occurredAt: '2026-01-01T00:00:00.000Z',
  data: { channel: 'email', direction: 'inbound', purpose: 'support' },
  metadata: { schemaVersion: 1 },
});

describe('ObservedEventStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-observed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts through the whole composition (observed, upcasting, crypto-shredding) as the adapter does', async () => {
    const store = new ObservedEventStore(createEventStore({ dataDir: join(dir, 'count') }), {
      appended: () => undefined,
    });
    try {
      await store.appendToStreams([
        { streamId: 'customer-a', events: [event(11), event(12)] },
        { streamId: 'campaign-x', events: [event(13)] },
        { streamId: 'customer-b', events: [event(14)] },
      ]);
      const all = await store.readAll();
      expect(await store.countAll({ after: all[0].globalPosition, streamPrefix: 'customer-' })).toEqual({
        count: 2,
        atLeast: false,
        firstRecordedAt: all[1].recordedAt,
      });
      expect((await store.countAll()).count).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('reports each append of an appendToStreams call on success, and the call once on failure', async () => {
    const seen: AppendObservation[] = [];
    const store = new ObservedEventStore(createEventStore({ dataDir: join(dir, 'bulk') }), {
      appended: (o) => seen.push(o),
    });
    try {
      const results = await store.appendToStreams([
        { streamId: 'customer-a', events: [event(1), event(2)] },
        { streamId: 'customer-b', events: [event(3)] },
      ]);
      expect(results.map((r) => r.events.length)).toEqual([2, 1]);
      expect(seen).toEqual([
        { streamId: 'customer-a', events: 2, durationMs: expect.any(Number), outcome: 'ok' },
        { streamId: 'customer-b', events: 1, durationMs: expect.any(Number), outcome: 'ok' },
      ]);
      seen.length = 0;
      await expect(
        store.appendToStreams([
          { streamId: 'customer-c', events: [event(4)] },
          { streamId: 'customer-b', events: [event(5)], expectedRevision: 'no_stream' },
        ]),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(seen).toEqual([
        { streamId: 'customer-b', events: 2, durationMs: expect.any(Number), outcome: 'conflict' },
      ]);
    } finally {
      await store.close();
    }
  });

  it('reports each append: size, duration and outcome, and passes results and errors through', async () => {
    const seen: AppendObservation[] = [];
    const store = new ObservedEventStore(createEventStore({ dataDir: dir }), {
      appended: (o) => seen.push(o),
    });
    try {
      const result = await store.appendToStream('customer-a', [event(1), event(2), event(3)]);
      expect(result.events).toHaveLength(3);
      await expect(
        store.appendToStream('customer-a', [event(4)], { expectedRevision: 0 }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(seen).toEqual([
        { streamId: 'customer-a', events: 3, durationMs: expect.any(Number), outcome: 'ok' },
        { streamId: 'customer-a', events: 1, durationMs: expect.any(Number), outcome: 'conflict' },
      ]);
      expect(seen[0].durationMs).toBeGreaterThan(0);
      expect(await store.readStream('customer-a')).toHaveLength(3);
      expect(await store.headPosition()).toBe(3n);
    } finally {
      await store.close();
    }
  });
});
