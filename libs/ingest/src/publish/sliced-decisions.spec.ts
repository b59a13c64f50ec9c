import { SqliteEventStore } from '@crm/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerStreamRepository } from '../streams/customer-stream.repository';
import { validatePublishBody, type ValidPublishedEvent } from '../validation/published-event.validator';
import { CustomerEventsPublisher } from './customer-events.publisher';
import { yieldToIo } from './event-loop.yield';
import type { PublishOutcome } from './publish.outcome';

const acquired = (customerId: string) => ({
  type: 'CustomerAcquired',
  customerId,
  occurredAt: '2026-01-05T09:00:00Z',
  data: { channel: 'organic' },
});
const purchased = (customerId: string) => ({
  type: 'CustomerPurchased',
  customerId,
  occurredAt: '2026-01-06T09:00:00Z',
  data: { orderId: `o-${customerId}`, amount: { minor: 100, currency: 'EUR' }, channel: 'online', items: [] },
});

function valid(events: object[]): ValidPublishedEvent[] {
  const outcome = validatePublishBody(
    { events },
    { maxEvents: 1000, now: Date.parse('2026-02-01T00:00:00Z') },
  );
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.events;
}

function appended(outcome: PublishOutcome) {
  if (outcome.kind !== 'appended') throw new Error(JSON.stringify(outcome.problems));
  return outcome;
}

/** 100 customers, each acquired then purchasing: 200 events in groups of two. */
const batch = (prefix: string) =>
  Array.from({ length: 100 }, (_, i) => [acquired(`${prefix}${i}`), purchased(`${prefix}${i}`)]).flat();

describe('CustomerEventsPublisher: a large batch decided in slices, the event loop served between them', () => {
  let dir: string;
  let store: SqliteEventStore;
  /** What the store held at each yield of the publisher, in order. */
  let headAtYield: bigint[];
  let onYield: (count: number) => void;
  let publisher: CustomerEventsPublisher;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sliced-publish-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    headAtYield = [];
    onYield = () => undefined;
    const observedYield = async () => {
      headAtYield.push(await store.headPosition());
      onYield(headAtYield.length);
      await yieldToIo();
    };
    publisher = new CustomerEventsPublisher(
      store,
      new CustomerStreamRepository(store),
      undefined,
      observedYield,
    );
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('yields before loading and after every slice, appends nothing until all is decided, then all in order', async () => {
    const events = valid(batch('c-'));
    const outcome = appended(await publisher.publish(events, { correlationId: 'big' }, { sliceEvents: 32 }));

    // Once before the load, then before the group that follows each 32 decided events (16 customers).
    expect(headAtYield).toEqual(Array<bigint>(7).fill(0n));
    expect(outcome.failures).toEqual([]);
    expect(outcome.results.map((r) => r.index)).toEqual(events.map((_, i) => i));
    expect(outcome.results.map((r) => r.streamRevision)).toEqual(events.map((_, i) => i % 2));
    const positions = outcome.results.map((r) => r.globalPosition);
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    expect(await store.headPosition()).toBe(positions[positions.length - 1]);
  });

  it('still appends nothing when the batch breaks a rule after many slices', async () => {
    // The last customer purchases without being acquired: the decider refuses it.
    const events = valid([...batch('c-'), purchased('c-stranger')]);
    const outcome = await publisher.publish(events, { correlationId: 'bad' }, { sliceEvents: 32 });

    expect(outcome).toMatchObject({
      kind: 'rejected',
      problems: [{ index: 200, customerId: 'c-stranger' }],
    });
    expect(headAtYield.length).toBeGreaterThan(1);
    expect(await store.headPosition()).toBe(0n);
  });

  it('decides a batch of at most a slice in one go', async () => {
    appended(await publisher.publish(valid(batch('c-').slice(0, 32)), { correlationId: 'small' }));
    expect(headAtYield).toEqual([]);
  });

  it('lets a request that arrives mid-batch be appended and answered before the batch is decided', async () => {
    const order: string[] = [];
    let small: Promise<PublishOutcome> | undefined;
    onYield = (count) => {
      order.push(`yield ${count}`);
      if (count !== 3) return;
      // Another request's publish, arriving while the large batch is between two slices.
      small = publisher.publish(valid([acquired('x-1')]), { correlationId: 'small' }).then((outcome) => {
        order.push('small answered');
        return outcome;
      });
    };

    const big = appended(await publisher.publish(valid(batch('c-')), { correlationId: 'big' }));
    const [smallResult] = appended(await small!).results;

    expect(order.indexOf('small answered')).toBeGreaterThan(order.indexOf('yield 3'));
    expect(order.indexOf('small answered')).toBeLessThan(order.indexOf('yield 4'));
    expect(smallResult.globalPosition).toBe(1n);
    expect(big.results.every((r) => r.globalPosition > smallResult.globalPosition)).toBe(true);
    expect(big.results).toHaveLength(200);
  });
});
