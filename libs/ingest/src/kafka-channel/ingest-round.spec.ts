import { SqliteEventStore } from '@crm/event-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventIngestor } from '../event-ingestor';
import type { IngestMessage, ParsedIngestMessage, RejectionReason } from './ingest-message';
import { parseIngestMessage } from './ingest-message.parser';
import { PartitionRounds, type PublishEvents } from './ingest-round';

const NOW = Date.parse('2026-03-01T00:00:00Z');

const acquired = (customerId: string, eventId = randomUUID()) => ({
  eventId,
  type: 'CustomerAcquired',
  customerId,
  occurredAt: '2026-01-05T09:00:00Z',
  data: { channel: 'organic' },
});
const purchased = (customerId: string, orderId: string, extra: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'CustomerPurchased',
  customerId,
  occurredAt: '2026-02-01T14:03:00Z',
  data: { orderId, amount: { minor: 2599, currency: 'EUR' }, channel: 'online' },
  ...extra,
});

describe('ingestRound: the Kafka channel over a partition of messages', () => {
  let dir: string;
  let store: SqliteEventStore;
  let ingestor: EventIngestor;
  let offset: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-round-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    ingestor = new EventIngestor(store, { maxBatchEvents: 1000, stateCacheSize: 1000 });
    offset = 0;
    published = 0;
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const message = (value: unknown, key?: string): IngestMessage => {
    const customerId = (value as { customerId?: string })?.customerId;
    return {
      topic: 'in',
      partition: 0,
      offset: String(offset++),
      ...((key ?? customerId) !== undefined ? { key: key ?? customerId } : {}),
      value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
      headers: {},
    };
  };
  const parse = (messages: IngestMessage[]): ParsedIngestMessage[] =>
    messages.map((m) =>
      parseIngestMessage(m, (raw) => ingestor.validateEvent(raw, { requireEventId: true, now: NOW })),
    );

  let published: number;
  const publish: PublishEvents = (events, context) => {
    published += events.length;
    return ingestor.publish(events, context);
  };
  const roundsOf = (parsed: ParsedIngestMessage[]) =>
    new PartitionRounds(parsed, publish, { correlationId: '' });

  /** As the channel does: rounds until every message is settled (committing between them); rejections by position. */
  async function drain(
    parsed: ParsedIngestMessage[],
  ): Promise<{ rounds: number; rejected: Map<number, RejectionReason> }> {
    const rejected = new Map<number, RejectionReason>();
    const partition = roundsOf(parsed);
    let rounds = 0;
    while (!partition.done) {
      const before = partition.settled;
      const round = await partition.next();
      rounds += 1;
      expect(round.settled).toBeGreaterThan(before);
      for (const [i, reason] of round.rejections) rejected.set(i, reason);
    }
    return { rounds, rejected };
  }

  const streamOf = async (customerId: string) =>
    (await store.readStream(`customer-${customerId}`)).map((e) => `${e.type}:${e.eventId}`);

  it('appends a partition of valid events in one round, each customer in order', async () => {
    const events = [
      acquired('a'),
      acquired('b'),
      purchased('a', 'o1'),
      purchased('b', 'o2'),
      purchased('a', 'o3'),
    ];
    const { rounds, rejected } = await drain(parse(events.map((e) => message(e))));
    expect(rounds).toBe(1);
    expect(rejected.size).toBe(0);
    expect(await streamOf('a')).toEqual([0, 2, 4].map((i) => `${events[i].type}:${events[i].eventId}`));
    expect(await streamOf('b')).toEqual([1, 3].map((i) => `${events[i].type}:${events[i].eventId}`));
  });

  it('rejects a purchase before acquisition without blocking others, and decides the customer again after it', async () => {
    const early = purchased('a', 'o0');
    const events = [early, acquired('b'), acquired('a'), purchased('b', 'o1'), purchased('a', 'o2')];
    const parsed = parse(events.map((e) => message(e)));

    const partition = roundsOf(parsed);
    const first = await partition.next();
    // a's events after its refused one wait: only the messages before a's acquisition are settled.
    expect(first.settled).toBe(2);
    expect([...first.rejections.keys()]).toEqual([0]);
    expect(first.rejections.get(0)).toMatchObject({
      code: 'CUSTOMER_NOT_ACQUIRED',
      errors: [{ code: 'CUSTOMER_NOT_ACQUIRED', customerId: 'a', eventId: early.eventId }],
    });
    expect(await streamOf('a')).toEqual([]);
    expect(await streamOf('b')).toHaveLength(2);

    // A crash before the commit redelivers the range: the refused purchase is refused again, nothing doubles.
    const again = await roundsOf(parsed).next();
    expect(again).toEqual(first);

    // After the commit, the next round publishes a's deferred events only.
    published = 0;
    const rest = await partition.next();
    expect(rest).toEqual({ settled: 5, rejections: new Map() });
    expect(published).toBe(2);
    expect(await streamOf('a')).toEqual([
      `CustomerAcquired:${events[2].eventId}`,
      `CustomerPurchased:${events[4].eventId}`,
    ]);
    expect(await streamOf('b')).toHaveLength(2);
  });

  it('settles a customer refused twice in three rounds, each publishing only what waited', async () => {
    const events = [
      purchased('a', 'o0'),
      acquired('a'),
      acquired('b'),
      acquired('a'),
      purchased('b', 'o1'),
      purchased('a', 'o2'),
    ];
    const parsed = parse(events.map((e) => message(e)));
    const { rounds, rejected } = await drain(parsed);
    expect(rounds).toBe(3);
    expect([...rejected].map(([i, r]) => [i, r.code])).toEqual([
      [0, 'CUSTOMER_NOT_ACQUIRED'],
      [3, 'CUSTOMER_ALREADY_ACQUIRED'],
    ]);
    // Round 1: all 6, then b's 2 (a waits behind its refusal); round 2: a's 3, then 1; round 3: a's last.
    expect(published).toBe(6 + 2 + 3 + 1 + 1);
    expect(await streamOf('a')).toEqual([
      `CustomerAcquired:${events[1].eventId}`,
      `CustomerPurchased:${events[5].eventId}`,
    ]);
  });

  it('appends a repeated eventId once, in the same round and in a later one', async () => {
    const a = acquired('a');
    const p = purchased('a', 'o1');
    const { rejected } = await drain(parse([a, p, a, p].map((e) => message(e))));
    expect(rejected.size).toBe(0);
    const later = await drain(parse([p].map((e) => message(e))));
    expect(later.rejected.size).toBe(0);
    expect(await streamOf('a')).toEqual([`CustomerAcquired:${a.eventId}`, `CustomerPurchased:${p.eventId}`]);
  });

  it('rejects malformed JSON, schema errors, a missing eventId and a key that is not the customer', async () => {
    const { eventId: _id, ...noId } = acquired('c');
    const messages = [
      message('{"type": "CustomerAcquired",', 'x'),
      message({ ...acquired('d'), data: { channel: 'carrier-pigeon' } }),
      message(noId),
      message(acquired('e'), 'not-e'),
      message(acquired('f')),
    ];
    const { rejected } = await drain(parse(messages));
    expect(rejected.get(0)).toMatchObject({ code: 'MALFORMED_JSON' });
    expect(rejected.get(1)).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: '$.data.channel' }],
    });
    expect(rejected.get(2)).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ code: 'MISSING_FIELD', path: '$.eventId' }],
    });
    expect(rejected.get(3)).toMatchObject({ code: 'KEY_MISMATCH', errors: [{ path: '$.customerId' }] });
    expect(rejected.has(4)).toBe(false);
    expect(await streamOf('f')).toHaveLength(1);
    for (const id of ['c', 'd', 'e']) expect(await streamOf(id)).toEqual([]);
  });

  it("rejects an event whose own expectedRevision is stale with REVISION_CONFLICT; the customer's next events stand", async () => {
    const events = [acquired('a'), purchased('a', 'o1', { expectedRevision: 5 }), purchased('a', 'o2')];
    const { rejected } = await drain(parse(events.map((e) => message(e))));
    expect([...rejected.keys()]).toEqual([1]);
    expect(rejected.get(1)).toMatchObject({
      code: 'REVISION_CONFLICT',
      errors: [{ path: '$.expectedRevision' }],
    });
    expect(await streamOf('a')).toEqual([
      `CustomerAcquired:${events[0].eventId}`,
      `CustomerPurchased:${events[2].eventId}`,
    ]);
  });

  it('stamps the correlation id and source from headers when the event has none, else the message coordinates', async () => {
    const withHeaders = {
      ...message(acquired('h')),
      headers: { 'x-correlation-id': 'corr-9', 'x-source': 'shop' },
    };
    const bare = message(acquired('i'));
    await drain(parse([withHeaders, bare]));
    const [h] = await store.readStream('customer-h');
    const [i] = await store.readStream('customer-i');
    expect(h.metadata).toMatchObject({ correlationId: 'corr-9', source: 'shop' });
    expect(i.metadata.correlationId).toBe(`kafka:in:0:${bare.offset}`);
    expect(i.metadata.source).toBeUndefined();
  });
});
