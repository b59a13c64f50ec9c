import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { committedWalTransactions } from '../../testing/sqlite-wal.reader';
import { DataKeyDestroyedError } from '../key-store.port';
import { SqliteKeyStore } from './sqlite.key-store';

describe('SqliteKeyStore', () => {
  let dir: string;
  let store: SqliteKeyStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    store = new SqliteKeyStore(join(dir, 'keys.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates one 256-bit key per subject and finds it by id', async () => {
    const a = await store.keyFor('c-1');
    expect(a.key).toHaveLength(32);
    expect(await store.keyFor('c-1')).toEqual(a);
    expect((await store.keyFor('c-2')).keyId).not.toBe(a.keyId);
    expect(await store.find(a.keyId)).toEqual(a.key);
  });

  describe('keysFor', () => {
    /** Frames in the WAL: every commit writes at least one, so fewer frames than keys means fewer commits. */
    const walFrames = () => {
      const db = new Database(join(dir, 'keys.sqlite'));
      try {
        const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
        return result.log;
      } finally {
        db.close();
      }
    };

    it('creates the missing keys in one go and returns the existing ones as they are', async () => {
      const existing = await store.keyFor('c-1');
      const subjects = Array.from({ length: 200 }, (_, i) => `c-${i + 1}`);
      walFrames(); // checkpoints what is there: the WAL starts over

      const keys = await store.keysFor([...subjects, 'c-2']);

      expect(walFrames()).toBeLessThan(199); // not a commit per new key
      expect([...keys.keys()]).toEqual(subjects);
      expect(keys.get('c-1')).toEqual(existing);
      expect(new Set([...keys.values()].map((k) => k.keyId)).size).toBe(200);
      for (const subject of ['c-2', 'c-200']) expect(await store.keyFor(subject)).toEqual(keys.get(subject));
      expect(await store.find(keys.get('c-7')?.keyId ?? '')).toEqual(keys.get('c-7')?.key);
      expect(await store.keysFor(['c-3', 'c-1'])).toEqual(
        new Map([
          ['c-3', keys.get('c-3')],
          ['c-1', existing],
        ]),
      );
      expect(await store.keysFor([])).toEqual(new Map());
    });

    it('concurrent calls needing new keys share one commit (one fsync); a destroyed subject fails its call alone', async () => {
      await store.destroy('c-gone'); // checkpoints (TRUNCATE): the WAL starts empty
      const file = join(dir, 'keys.sqlite');
      const before = committedWalTransactions(file);

      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 16 }, (_, i) => store.keysFor([`c-${i}`])),
        store.keysFor(['c-new', 'c-gone']),
        store.keyFor('c-0'), // the same new subject twice in one group: one key
      ]);

      expect(committedWalTransactions(file) - before).toBe(1);
      expect(outcomes.slice(0, 16).map((o) => o.status)).toEqual(Array<string>(16).fill('fulfilled'));
      expect((outcomes[16] as PromiseRejectedResult).reason).toMatchObject({ subjectId: 'c-gone' });
      const first = (outcomes[0] as PromiseFulfilledResult<Map<string, unknown>>).value.get('c-0');
      expect((outcomes[17] as PromiseFulfilledResult<unknown>).value).toEqual(first);
      expect(await store.keysFor(['c-0'])).toEqual(new Map([['c-0', first]]));
      // The failed call's new key was rolled back with its savepoint.
      const raw = new Database(file, { readonly: true });
      try {
        expect(raw.prepare("SELECT count(*) FROM data_keys WHERE subject_id = 'c-new'").pluck().get()).toBe(
          0,
        );
      } finally {
        raw.close();
      }
    });

    it('agrees with another process on the keys it creates', async () => {
      const other = new SqliteKeyStore(join(dir, 'keys.sqlite'));
      try {
        const mine = await store.keysFor(['c-1', 'c-2']);
        expect(await other.keysFor(['c-2', 'c-1', 'c-3'])).toEqual(
          new Map([
            ['c-2', mine.get('c-2')],
            ['c-1', mine.get('c-1')],
            ['c-3', await store.keyFor('c-3')],
          ]),
        );
      } finally {
        await other.close();
      }
    });

    it('refuses a destroyed subject and then creates none of the keys of the call', async () => {
      await store.keyFor('c-1');
      await store.destroy('c-2');
      await expect(store.keysFor(['c-1', 'c-3', 'c-2', 'c-4'])).rejects.toMatchObject({
        name: 'DataKeyDestroyedError',
        subjectId: 'c-2',
      });
      await expect(store.keysFor(['c-2'])).rejects.toBeInstanceOf(DataKeyDestroyedError);
      expect(await store.destroy('c-3')).toBe(false); // it had no key
    });
  });

  it('agrees on one key when two processes share the file', async () => {
    const other = new SqliteKeyStore(join(dir, 'keys.sqlite'));
    try {
      expect(await other.keyFor('c-1')).toEqual(await store.keyFor('c-1'));
    } finally {
      await other.close();
    }
  });

  it('destroys a key for good, bytes included, and never makes a new one for that subject', async () => {
    const { keyId, key } = await store.keyFor('c-1');
    expect(await store.destroy('c-1')).toBe(true);
    expect(await store.destroy('c-1')).toBe(false);
    expect(await store.find(keyId)).toBeUndefined();
    await expect(store.keyFor('c-1')).rejects.toBeInstanceOf(DataKeyDestroyedError);
    const bytes = () =>
      ['keys.sqlite', 'keys.sqlite-wal']
        .filter((f) => existsSync(join(dir, f)))
        .map((f) => readFileSync(join(dir, f)));
    expect(bytes().some((b) => b.includes(key))).toBe(false); // while open: the WAL was emptied too
    await store.close();
    expect(bytes().some((b) => b.includes(key))).toBe(false);
  });

  it('tombstones a subject that never had a key', async () => {
    expect(await store.destroy('c-9')).toBe(false);
    await expect(store.keyFor('c-9')).rejects.toBeInstanceOf(DataKeyDestroyedError);
  });
});
