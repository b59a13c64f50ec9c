import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeEventStore, createEventStore, createEventStoreAdapter } from '../event-store.factory';
import type { EventStore, EventToAppend, RecordedEvent } from '../event-store.port';
import { DataKeyDestroyedError } from './key-store.port';
import { PersonalDataOpener, SealedPersonalDataError } from './personal-data.opener';
import { SqliteKeyStore } from './sqlite/sqlite.key-store';

const acquired = (eventId: string): EventToAppend => ({
  eventId,
  type: 'CustomerAcquired',
  occurredAt: '2026-01-10T10:00:00.000Z',
  data: {
    channel: 'organic',
    profile: {
      name: 'Grace Hopper',
      email: 'grace@example.org',
      phone: '+1 555 0100',
      city: 'Arlington',
      country: 'US',
    },
  },
  metadata: { schemaVersion: 1 },
});

describe('CryptoShreddingEventStore (over the SQLite adapter, composed by createEventStore)', () => {
  let dir: string;
  let keys: SqliteKeyStore;
  let store: EventStore;
  let raw: EventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shred-'));
    keys = new SqliteKeyStore(join(dir, 'keys.sqlite'));
    store = createEventStore({ dataDir: dir, keyStore: keys });
    raw = createEventStore({ dataDir: dir, raw: true });
  });
  afterEach(async () => {
    await store.close();
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const profileOf = (events: RecordedEvent[]) => events[0].data.profile;

  it('stores ciphertext and a key id, and reads the fields back', async () => {
    await store.appendToStream('customer-c-1', [acquired('7b7f1f4e-0000-4000-8000-000000000001')]);
    const recorded = await raw.readStream('customer-c-1');
    expect(profileOf(recorded)).toEqual({ country: 'US' });
    expect(recorded[0].data.sealedPersonalData).toMatchObject({ alg: 'A256GCM', keyId: expect.any(String) });
    expect(readFileSync(join(dir, 'events.sqlite')).includes('grace@example.org')).toBe(false);
    expect(profileOf(await store.readStream('customer-c-1'))).toEqual(acquired('x').data.profile);
    expect((await store.readAll())[0].data).toEqual(acquired('x').data);
  });

  it('reads the customer without personal fields once the key is destroyed, in every read path', async () => {
    await store.appendToStream('customer-c-1', [acquired('7b7f1f4e-0000-4000-8000-000000000001')]);
    await store.appendToStream('customer-c-2', [acquired('7b7f1f4e-0000-4000-8000-000000000002')]);
    await keys.destroy('c-1');
    expect(profileOf(await store.readStream('customer-c-1'))).toEqual({ country: 'US' });
    expect((await store.readStream('customer-c-1'))[0].data).not.toHaveProperty('sealedPersonalData');
    expect(profileOf(await store.readStream('customer-c-2'))).toMatchObject({ email: 'grace@example.org' });
    const [first, second] = await store.readStreams([
      { streamId: 'customer-c-1' },
      { streamId: 'customer-c-2' },
    ]);
    expect([profileOf(first), profileOf(second)]).toEqual([{ country: 'US' }, acquired('x').data.profile]);
    const subscription = store.subscribeToAll();
    const seen: RecordedEvent[] = [];
    for await (const event of subscription) {
      seen.push(event);
      if (seen.length === 2) break;
    }
    expect(seen.map((e) => e.data.profile)).toEqual([{ country: 'US' }, acquired('x').data.profile]);
  });

  it('passes events without personal fields through, creating no key', async () => {
    const event = {
      ...acquired('7b7f1f4e-0000-4000-8000-000000000003'),
      data: { channel: 'organic', profile: {} },
    };
    await store.appendToStream('customer-c-3', [event]);
    expect((await raw.readStream('customer-c-3'))[0].data).toEqual(event.data);
    expect(await keys.destroy('c-3')).toBe(false);
  });

  describe('appendToStreams', () => {
    const contacted = (eventId: string): EventToAppend => ({
      eventId,
      type: 'CustomerContacted',
      occurredAt: '2026-01-11T10:00:00.000Z',
      data: { channel: 'email', direction: 'outbound', purpose: 'sales' },
      metadata: { schemaVersion: 1 },
    });
    const id = (n: number) => `7b7f1f4e-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const keyCount = () => {
      const db = new Database(join(dir, 'keys.sqlite'), { readonly: true });
      try {
        return db.prepare('SELECT COUNT(*) FROM data_keys').pluck().get() as number;
      } finally {
        db.close();
      }
    };

    it('seals on disk and opens on read, with one key per new customer fetched in one keysFor call', async () => {
      const keysFor = jest.spyOn(keys, 'keysFor');
      const keyFor = jest.spyOn(keys, 'keyFor');
      const results = await store.appendToStreams([
        {
          streamId: 'customer-c-1',
          events: [acquired(id(1)), contacted(id(2))],
          expectedRevision: 'no_stream',
        },
        { streamId: 'customer-c-2', events: [acquired(id(3))], expectedRevision: 'no_stream' },
        { streamId: 'customer-c-1', events: [{ ...acquired(id(4)), type: 'CustomerProfileUpdated' }] },
        { streamId: 'customer-c-3', events: [contacted(id(5))] },
      ]);

      expect(results.map((r) => r.events.length)).toEqual([2, 1, 1, 1]);
      expect(keysFor).toHaveBeenCalledTimes(1);
      expect(keysFor.mock.calls[0][0]).toEqual(['c-1', 'c-2']); // c-3 has no personal data: no key
      expect(keyFor).not.toHaveBeenCalled();
      expect(keyCount()).toBe(2);

      const recorded = await raw.readAll();
      expect(readFileSync(join(dir, 'events.sqlite')).includes('grace@example.org')).toBe(false);
      const keyIds = recorded.map(
        (e) => (e.data.sealedPersonalData as { keyId?: string } | undefined)?.keyId,
      );
      expect(keyIds[0]).toEqual(expect.any(String));
      expect(keyIds[1]).toBeUndefined();
      expect(keyIds[3]).toBe(keyIds[0]); // the same customer's events share its key
      expect(keyIds[2]).not.toBe(keyIds[0]);
      expect(recorded.map((e) => e.data.profile)).toEqual([
        { country: 'US' },
        undefined,
        { country: 'US' },
        { country: 'US' },
        undefined,
      ]);

      const opened = await store.readAll();
      expect(opened.map((e) => e.data)).toEqual([
        acquired('x').data,
        contacted('x').data,
        acquired('x').data,
        acquired('x').data,
        contacted('x').data,
      ]);
    });

    it('refuses the whole call when a customer with personal data had its key destroyed', async () => {
      await keys.destroy('c-9');
      await expect(
        store.appendToStreams([
          { streamId: 'customer-c-1', events: [acquired(id(1))] },
          { streamId: 'customer-c-9', events: [acquired(id(2))] },
        ]),
      ).rejects.toBeInstanceOf(DataKeyDestroyedError);
      expect(await raw.readAll()).toEqual([]);
      expect(keyCount()).toBe(1); // the tombstone only: no key was made for c-1

      // Events without personal data still go in for an erased customer, as through appendToStream.
      const [result] = await store.appendToStreams([
        { streamId: 'customer-c-9', events: [contacted(id(3))] },
      ]);
      expect(result.events).toHaveLength(1);
    });
  });

  it('appendToStream asks for the key once per append, however many events carry personal data', async () => {
    const keysFor = jest.spyOn(keys, 'keysFor');
    await store.appendToStream('customer-c-5', [
      acquired('7b7f1f4e-0000-4000-8000-000000000006'),
      { ...acquired('7b7f1f4e-0000-4000-8000-000000000007'), type: 'CustomerProfileUpdated' },
    ]);
    expect(keysFor).toHaveBeenCalledTimes(1);
    expect(keysFor).toHaveBeenCalledWith(['c-5']);
    const recorded = await raw.readStream('customer-c-5');
    expect(recorded.map((e) => e.data.profile)).toEqual([{ country: 'US' }, { country: 'US' }]);
  });

  it('hands out sealed events in the relay view, which consumers open with the keys', async () => {
    await store.appendToStream('customer-c-4', [acquired('7b7f1f4e-0000-4000-8000-000000000004')]);
    const adapter = createEventStoreAdapter({ dataDir: dir });
    const sealedView = composeEventStore(adapter, keys, { sealed: true });
    try {
      const [sealed] = await sealedView.readAll();
      expect(JSON.stringify(sealed.data)).not.toContain('grace@example.org');
      const opener = new PersonalDataOpener(keys);
      expect((await opener.open(sealed)).data).toEqual(acquired('x').data);
      const moved = { ...sealed, eventId: '7b7f1f4e-0000-4000-8000-000000000005' };
      await expect(opener.open(moved)).rejects.toBeInstanceOf(SealedPersonalDataError);
      await keys.destroy('c-4');
      expect((await opener.open(sealed)).data.profile).toEqual({ country: 'US' });
    } finally {
      await adapter.close();
    }
  });

  /** A survey answer's comment is personal data: sealed with the customer's key, gone with it; the score stays. */
  describe('feedback comments under crypto-shredding', () => {
    const feedback = (eventId: string, comment?: string): EventToAppend => ({
      eventId,
      type: 'CustomerFeedbackGiven',
      occurredAt: '2026-02-10T10:00:00.000Z',
      data: { metric: 'nps', score: 3, channel: 'web', surveyId: 'nps-q1', ...(comment ? { comment } : {}) },
      metadata: { schemaVersion: 1 },
    });

    it('stores the comment sealed and reads it back in place', async () => {
      const event = feedback('7b7f1f4e-0000-4000-8000-00000000f001', 'Marta at the Lyon store was rude');
      await store.appendToStream('customer-c-1', [event]);
      const [stored] = await raw.readStream('customer-c-1');
      expect(stored.data).not.toHaveProperty('comment');
      expect(stored.data).toMatchObject({ score: 3, sealedPersonalData: { keyId: expect.any(String) } });
      expect(readFileSync(join(dir, 'events.sqlite')).includes('Lyon store')).toBe(false);
      expect((await store.readStream('customer-c-1'))[0].data).toEqual(event.data);
    });

    it('reads the answer without its comment once the key is destroyed; the score stays, in every read path', async () => {
      await store.appendToStream('customer-c-1', [
        feedback('7b7f1f4e-0000-4000-8000-00000000f002', 'call me'),
      ]);
      await keys.destroy('c-1');
      const expected = { metric: 'nps', score: 3, channel: 'web', surveyId: 'nps-q1' };
      expect((await store.readStream('customer-c-1'))[0].data).toEqual(expected);
      expect((await store.readAll())[0].data).toEqual(expected);
    });

    it('passes an answer without a comment through, creating no key', async () => {
      const event = feedback('7b7f1f4e-0000-4000-8000-00000000f003');
      await store.appendToStream('customer-c-3', [event]);
      expect((await raw.readStream('customer-c-3'))[0].data).toEqual(event.data);
      expect(await keys.destroy('c-3')).toBe(false);
    });
  });
});
