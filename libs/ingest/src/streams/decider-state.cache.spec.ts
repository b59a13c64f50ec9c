import { initialState } from '@crm/domain';
import { SqliteEventStore } from '@crm/event-store';
import { CustomerStreamRepository, type CustomerStreamState } from './customer-stream.repository';
import { DeciderStateCache } from './decider-state.cache';

const entry = (customerId: string, revision = 0): CustomerStreamState => ({
  customerId,
  revision,
  state: initialState(),
  recorded: new Map(),
});

describe('DeciderStateCache: a bounded LRU of decider state', () => {
  it('never holds more streams than its capacity, evicting the least recently used', () => {
    const cache = new DeciderStateCache(2);
    cache.set(entry('a'));
    cache.set(entry('b'));
    expect(cache.get('a')).toBeDefined(); // a is now more recent than b
    cache.set(entry('c'));
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    for (let i = 0; i < 100; i++) cache.set(entry(`x-${i}`));
    expect(cache.size).toBe(2);
    expect([cache.has('x-98'), cache.has('x-99')]).toEqual([true, true]);
  });

  it('keeps the newer state of a stream, never an older one', () => {
    const cache = new DeciderStateCache(10);
    cache.set(entry('a', 5));
    cache.set(entry('a', 3));
    expect(cache.get('a')?.revision).toBe(5);
    cache.set(entry('a', 7));
    expect(cache.get('a')?.revision).toBe(7);
  });

  it('holds nothing with capacity 0, and refuses a capacity that is not a whole number', () => {
    const cache = new DeciderStateCache(0);
    cache.set(entry('a'));
    expect(cache.size).toBe(0);
    expect(() => new DeciderStateCache(-1)).toThrow(RangeError);
    expect(() => new DeciderStateCache(1.5)).toThrow(RangeError);
  });
});

describe('CustomerStreamRepository with a cache', () => {
  const acquired = (eventId: string) => ({
    eventId,
    type: 'CustomerAcquired',
    occurredAt: '2026-01-05T09:00:00.000Z',
    data: { channel: 'organic', profile: {} },
    metadata: { schemaVersion: 1 },
  });
  const churned = (eventId: string) => ({
    eventId,
    type: 'CustomerChurned',
    occurredAt: '2026-02-05T09:00:00.000Z',
    data: { reason: 'price', voluntary: true },
    metadata: { schemaVersion: 1 },
  });

  it('reads only the events after the cached revision, and sees what another writer appended', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      const repository = new CustomerStreamRepository(store, new DeciderStateCache(10));
      await store.appendToStream('customer-c-1', [acquired('6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e50')]);
      const reads = jest.spyOn(store, 'readStream');
      expect((await repository.load('c-1')).state.status).toBe('active');
      expect(reads).toHaveBeenLastCalledWith('customer-c-1', { fromRevision: 0 });

      // Another writer (nothing told this repository) churns the customer.
      await store.appendToStream('customer-c-1', [churned('6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e51')]);
      const loaded = await repository.load('c-1');
      expect(reads).toHaveBeenLastCalledWith('customer-c-1', { fromRevision: 1 });
      expect(loaded).toMatchObject({ revision: 1, state: { status: 'churned' } });
      expect([...loaded.recorded.keys()]).toHaveLength(2);

      const again = await repository.load('c-1');
      expect(reads).toHaveBeenLastCalledWith('customer-c-1', { fromRevision: 2 });
      expect(again).toBe(loaded);
    } finally {
      await store.close();
    }
  });

  it('reads a forgotten stream whole', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      const repository = new CustomerStreamRepository(store, new DeciderStateCache(10));
      await store.appendToStream('customer-c-1', [acquired('6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e50')]);
      await repository.load('c-1');
      repository.forget('c-1');
      const reads = jest.spyOn(store, 'readStream');
      await repository.load('c-1');
      expect(reads).toHaveBeenLastCalledWith('customer-c-1', { fromRevision: 0 });
    } finally {
      await store.close();
    }
  });

  it('loads many customers with one multi-stream read, after each cached revision', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      const repository = new CustomerStreamRepository(store, new DeciderStateCache(10));
      await store.appendToStream('customer-c-1', [acquired('6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e50')]);
      await repository.load('c-1');
      await store.appendToStream('customer-c-1', [churned('6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e51')]);
      const single = jest.spyOn(store, 'readStream');
      const many = jest.spyOn(store, 'readStreams');

      const loaded = await repository.loadMany(['c-1', 'c-2', 'c-1']);

      expect(single).not.toHaveBeenCalled();
      expect(many).toHaveBeenCalledTimes(1);
      expect(many).toHaveBeenLastCalledWith([
        { streamId: 'customer-c-1', fromRevision: 1 },
        { streamId: 'customer-c-2', fromRevision: 0 },
      ]);
      expect([...loaded.keys()]).toEqual(['c-1', 'c-2']);
      expect(loaded.get('c-1')).toMatchObject({ revision: 1, state: { status: 'churned' } });
      expect(loaded.get('c-2')).toMatchObject({ revision: -1 });
      expect(repository.cache.has('c-2')).toBe(false);
    } finally {
      await store.close();
    }
  });
});
