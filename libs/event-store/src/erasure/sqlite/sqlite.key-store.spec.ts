import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
