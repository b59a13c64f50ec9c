import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from '../event-store.factory';
import type { EventStore, EventToAppend } from '../event-store.port';
import { SqliteKeyStore } from './sqlite/sqlite.key-store';

const feedback = (eventId: string, comment?: string): EventToAppend => ({
  eventId,
  type: 'CustomerFeedbackGiven',
  occurredAt: '2026-02-10T10:00:00.000Z',
  data: { metric: 'nps', score: 3, channel: 'web', surveyId: 'nps-q1', ...(comment ? { comment } : {}) },
  metadata: { schemaVersion: 1 },
});

/** A survey answer's comment is personal data: sealed with the customer's key, gone with it; the score stays. */
describe('feedback comments under crypto-shredding', () => {
  let dir: string;
  let keys: SqliteKeyStore;
  let store: EventStore;
  let raw: EventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shred-feedback-'));
    keys = new SqliteKeyStore(join(dir, 'keys.sqlite'));
    store = createEventStore({ dataDir: dir, keyStore: keys });
    raw = createEventStore({ dataDir: dir, raw: true });
  });
  afterEach(async () => {
    await store.close();
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
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
    await store.appendToStream('customer-c-1', [feedback('7b7f1f4e-0000-4000-8000-00000000f002', 'call me')]);
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
