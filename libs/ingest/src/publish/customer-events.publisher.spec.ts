import { SqliteEventStore } from '@crm/event-store';
import { WrongExpectedRevisionError } from '@crm/event-store';
import type { AppendResult, StreamAppend } from '@crm/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerStreamRepository } from '../streams/customer-stream.repository';
import { validatePublishBody, type ValidPublishedEvent } from '../validation/published-event.validator';
import { CustomerEventsPublisher } from './customer-events.publisher';
import type { PublishOutcome } from './publish.outcome';

const acquired = (customerId: string) => ({
  type: 'CustomerAcquired',
  customerId,
  occurredAt: '2026-01-05T09:00:00Z',
  data: { channel: 'organic' },
});

function valid(body: unknown): ValidPublishedEvent[] {
  const outcome = validatePublishBody(body, { maxEvents: 1000, now: Date.parse('2026-02-01T00:00:00Z') });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.events;
}

function appended(outcome: PublishOutcome) {
  if (outcome.kind !== 'appended') throw new Error(JSON.stringify(outcome.problems));
  return outcome;
}

describe('CustomerEventsPublisher: one append call for a batch of customers', () => {
  let dir: string;
  let store: SqliteEventStore;
  let publisher: CustomerEventsPublisher;
  let bulkCalls: StreamAppend[][];
  let failNextBulk: boolean;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'publish-handler-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    bulkCalls = [];
    failNextBulk = false;
    const appendToStreams = store.appendToStreams.bind(store);
    store.appendToStreams = async (appends: readonly StreamAppend[]): Promise<AppendResult[]> => {
      bulkCalls.push([...appends]);
      if (failNextBulk) {
        failNextBulk = false;
        // As if another writer got to the second customer between load and append.
        throw new WrongExpectedRevisionError(appends[1].streamId, 'no_stream', 0);
      }
      return appendToStreams(appends);
    };
    publisher = new CustomerEventsPublisher(store, new CustomerStreamRepository(store));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends every customer of a conflict-free batch in one call, results in request order', async () => {
    const events = valid({ events: ['c-1', 'c-2', 'c-3'].map(acquired) });
    const outcome = appended(await publisher.publish(events, { correlationId: 'corr-1' }));
    expect(bulkCalls).toHaveLength(1);
    expect(bulkCalls[0].map((a) => a.streamId)).toEqual(['customer-c-1', 'customer-c-2', 'customer-c-3']);
    expect(outcome.failures).toEqual([]);
    expect(outcome.results.map((r) => [r.index, r.customerId, r.streamRevision])).toEqual([
      [0, 'c-1', 0],
      [1, 'c-2', 0],
      [2, 'c-3', 0],
    ]);
    expect(await store.headPosition()).toBe(outcome.results[2].globalPosition);
  });

  it('falls back to one append per customer when the call meets a conflict, losing nothing', async () => {
    failNextBulk = true;
    const events = valid({ events: ['c-1', 'c-2', 'c-3'].map(acquired) });
    const outcome = appended(await publisher.publish(events, { correlationId: 'corr-2' }));
    expect(bulkCalls).toHaveLength(1);
    expect(outcome.failures).toEqual([]);
    expect(outcome.results.map((r) => r.customerId)).toEqual(['c-1', 'c-2', 'c-3']);
    const all = await store.readAll({ maxCount: 100 });
    expect(all.map((e) => e.streamId)).toHaveLength(3);
  });

  it('replays a repeated batch idempotently without appending again', async () => {
    const events = valid({
      events: ['c-1', 'c-2'].map((id, i) => ({
        ...acquired(id),
        eventId: `6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e5${i}`,
      })),
    });
    const first = appended(await publisher.publish(events, { correlationId: 'corr-3' }));
    const again = appended(await publisher.publish(events, { correlationId: 'corr-3' }));
    expect(again.results).toEqual(first.results);
    expect(bulkCalls).toHaveLength(1);
    expect(await store.readAll({ maxCount: 100 })).toHaveLength(2);
  });

  it('decides again when another writer recorded some of the batch since the state was loaded', async () => {
    const [acquisition, contact] = valid({
      events: [
        { ...acquired('c-9'), eventId: '0b8f8a1e-6d3c-4a7e-9a51-3f1d2c4b5a61' },
        {
          eventId: '0b8f8a1e-6d3c-4a7e-9a51-3f1d2c4b5a62',
          type: 'CustomerContacted',
          customerId: 'c-9',
          occurredAt: '2026-01-06T09:00:00Z',
          data: { channel: 'email', direction: 'outbound', purpose: 'sales' },
        },
      ],
    });
    const streams = new CustomerStreamRepository(store);
    const before = await streams.loadMany(['c-9']);
    // Another process records the acquisition (a retry that reached it) after this one loaded the state.
    appended(
      await new CustomerEventsPublisher(store, streams).publish([acquisition], { correlationId: 'x' }),
    );

    const outcome = appended(
      await publisher.publish([acquisition, contact], { correlationId: 'y' }, { loaded: before }),
    );

    expect(outcome.failures).toEqual([]);
    expect(outcome.results.map((r) => [r.type, r.streamRevision])).toEqual([
      ['CustomerAcquired', 0],
      ['CustomerContacted', 1],
    ]);
    expect((await store.readStream('customer-c-9')).map((e) => e.eventId)).toEqual([
      acquisition.eventId,
      contact.eventId,
    ]);
  });
});
