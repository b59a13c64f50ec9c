import type { DataSource } from 'typeorm';

const tails = new WeakMap<DataSource, Promise<unknown>>();

/**
 * TypeORM's better-sqlite3 driver has ONE connection per DataSource, and a second `transaction()` started
 * while one is open becomes a SAVEPOINT inside it (a rollback of either would take the other's work along),
 * while a plain read would see uncommitted rows. So on SQLite every projector transaction and every query
 * of this library runs one at a time. PostgreSQL has a pool and real isolation: no queueing there.
 */
export function runExclusive<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  if (dataSource.driver.options.type === 'postgres') return work();
  const previous = tails.get(dataSource) ?? Promise.resolve();
  const result = previous.then(work, work);
  tails.set(
    dataSource,
    result.catch(() => undefined),
  );
  return result;
}
