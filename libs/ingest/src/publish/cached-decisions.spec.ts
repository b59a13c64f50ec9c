import { commandForPublishedEvent, decide, DomainError, fold, type CustomerEvent } from '@crm/domain';
import { SqliteEventStore } from '@crm/event-store';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventIngestor } from '../event-ingestor';
import { toDomainEvent } from '../streams/customer-stream.repository';
import { IngestWriterProcess } from '../testing/ingest-writer.processes';
import type { PublishOutcome } from './publish.outcome';

/** A UUID from a label, so runs are repeatable. */
const uuid = (label: string) => {
  const h = createHash('sha1').update(label).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Park-Miller: a seeded sequence, so a failure can be replayed. */
function random(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 16807) % 2147483647;
    return s % n;
  };
}

type Raw = Record<string, unknown> & { customerId: string; eventId: string };

const CUSTOMERS = Array.from({ length: 12 }, (_, i) => `c-${i + 1}`);
let day = 0;
const at = () => new Date(Date.UTC(2026, 0, 1) + (day++ % 300) * 3_600_000).toISOString();

function randomEvent(next: (n: number) => number, n: number, published: readonly Raw[]): Raw {
  const customerId = CUSTOMERS[next(CUSTOMERS.length)];
  const base = { eventId: uuid(`e-${n}`), customerId, occurredAt: at() };
  const pick = next(10);
  if (pick < 4) {
    // a new order, or now and then one the customer already placed (DUPLICATE_ORDER)
    const orderId = next(5) === 0 ? `o-${customerId}-${next(3)}` : `o-${n}`;
    return { ...base, type: 'CustomerPurchased', data: { orderId, amount: { minor: 100, currency: 'EUR' } } };
  }
  if (pick < 6) return { ...base, type: 'CustomerChurned', data: { reason: 'price', voluntary: true } };
  if (pick < 8) {
    const purpose = next(2) === 0 ? 'sales' : 'retention';
    return { ...base, type: 'CustomerContacted', data: { channel: 'email', direction: 'outbound', purpose } };
  }
  if (pick < 9 && published.length > 0) return published[next(published.length)]; // an idempotent retry
  return {
    ...base,
    type: 'CustomerReferred',
    data: { referredCustomerId: CUSTOMERS[next(CUSTOMERS.length)] },
  };
}

/** What the decider makes of an event on a state: the emitted types, or the rule's code. */
function decision(event: Raw, events: readonly CustomerEvent[]): string {
  try {
    const command = commandForPublishedEvent(event as never);
    return decide(command, fold(events))
      .map((e) => e.type)
      .join('+');
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe('decisions from cached state, two writer processes on one store file', () => {
  let dir: string;
  let stores: SqliteEventStore[];
  let writers: IngestWriterProcess[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-cache-'));
    stores = [];
    writers = [];
  });

  afterEach(async () => {
    await Promise.all(writers.map((w) => w.close()));
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const file = () => join(dir, 'events.sqlite');

  const open = (cacheSize: number) => {
    const store = new SqliteEventStore(file());
    stores.push(store);
    return new EventIngestor(store, { maxBatchEvents: 1000, stateCacheSize: cacheSize });
  };

  async function publish(ingestor: EventIngestor, events: Raw[]): Promise<PublishOutcome> {
    const validation = ingestor.validate({ events }, { now: Date.parse('2027-01-01T00:00:00Z') });
    if (!validation.ok) throw new Error(JSON.stringify(validation.errors));
    return ingestor.publish(validation.events, { correlationId: 'test' });
  }

  it.each([1, 2, 3])(
    'records only what a fresh fold decides, and decides as a fresh fold (seed %i)',
    async (seed) => {
      const fresh = open(0);
      await publish(
        fresh,
        CUSTOMERS.map((customerId) => ({
          eventId: uuid(`acq-${customerId}`),
          type: 'CustomerAcquired',
          customerId,
          occurredAt: '2025-12-01T00:00:00Z',
          data: { channel: 'organic' },
        })),
      );
      // Two OS processes, each with its own store connection and cache over the file: one cache holds every
      // customer, the other fewer than there are, so it evicts as it goes.
      writers = await Promise.all([
        IngestWriterProcess.start(file(), 1000),
        IngestWriterProcess.start(file(), 5),
      ]);
      expect(new Set(writers.map((w) => w.pid)).size).toBe(2);

      // Every batch up front (seeded), two per round and process; both processes run their rounds at once,
      // on the same customers, without expectedRevision: conflicts refresh the state and decide again.
      const next = random(seed);
      const generated: Raw[] = [];
      let n = 0;
      const roundsOf = () =>
        Array.from({ length: 40 }, () =>
          [0, 1].map(() => {
            const batch = Array.from({ length: 1 + next(4) }, () => randomEvent(next, n++, generated));
            const unique = [...new Map(batch.map((e) => [e.eventId, e])).values()];
            generated.push(...unique);
            return unique;
          }),
        );
      const plans = [roundsOf(), roundsOf()];
      const reports = await Promise.all(writers.map((w, i) => w.rounds(plans[i])));

      const kinds = reports.flatMap((r) => r.outcomes.flat());
      expect(kinds.filter((k) => k === 'appended').length).toBeGreaterThan(20);
      expect(reports.reduce((sum, r) => sum + r.conflicts, 0)).toBeGreaterThan(0);
      expect(reports[1].cacheSize).toBeLessThanOrEqual(5);

      const head = await fresh.store.headPosition();
      const probes: Raw[] = [];
      const byFold = new Map<string, string>();
      for (const customerId of CUSTOMERS) {
        const recorded = await fresh.store.readStream(`customer-${customerId}`);
        // Every recorded step is what the decider decides on the fold of the steps before it.
        const events = recorded.map(toDomainEvent);
        for (let i = 0; i < recorded.length; i++) {
          if (recorded[i].type === 'CustomerReactivated') continue;
          const raw = { ...recorded[i], customerId } as unknown as Raw;
          const reactivated = i > 0 && recorded[i - 1].type === 'CustomerReactivated';
          const emitted = decision(raw, events.slice(0, reactivated ? i - 1 : i));
          const expected = reactivated ? 'CustomerReactivated+' : '';
          expect(`${customerId}@${i} ${emitted}`).toBe(`${customerId}@${i} ${expected}${recorded[i].type}`);
        }
        expect(new Set(recorded.map((e) => e.eventId)).size).toBe(recorded.length);

        for (const probe of [
          { type: 'CustomerContacted', data: { channel: 'email', direction: 'outbound', purpose: 'sales' } },
          { type: 'CustomerChurned', data: { reason: 'moved', voluntary: false } },
          {
            type: 'CustomerPurchased',
            data: { orderId: `o-${customerId}-0`, amount: { minor: 1, currency: 'EUR' } },
          },
        ]) {
          const event = {
            ...probe,
            customerId,
            eventId: uuid(`probe-${customerId}`),
            occurredAt: at(),
          } as Raw;
          probes.push(event);
          byFold.set(`${customerId} ${probe.type}`, `${recorded.length - 1} ${decision(event, events)}`);
        }
      }

      // The processes' cached states now decide new events exactly as a fold of the whole stream does.
      for (const writer of writers) {
        const { decisions } = await writer.probe(probes);
        expect(
          decisions.map((d, i) => `${d.customerId} ${String(probes[i].type)} ${d.revision} ${d.decision}`),
        ).toEqual(
          probes.map(
            (p) => `${p.customerId} ${String(p.type)} ${byFold.get(`${p.customerId} ${String(p.type)}`)}`,
          ),
        );
      }
      expect(await fresh.store.headPosition()).toBe(head);
    },
    120_000,
  );
});
