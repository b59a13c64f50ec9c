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
