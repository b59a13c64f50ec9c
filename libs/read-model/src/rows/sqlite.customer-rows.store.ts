import type { EntityManager } from 'typeorm';
import {
  addSpendRow,
  CUSTOMER_COLUMNS,
  customerRowValues,
  customerStateFromRow,
  SPEND_COLUMNS,
} from '../customer-row.codec';
import type { CustomerState } from '../customer-summary.fold';
import type { CustomerRowsStore, CustomerRowsWrite } from './customer-rows.store';

/**
 * Rows per INSERT: far below SQLite's 32,766 bound parameters at 38 columns. A batch is cut into full
 * chunks and one remainder; each size's statement text is built once here and kept prepared by TypeORM's
 * per-connection statement cache.
 */
const MAX_ROWS = 200;
const MAX_IDS = 500;

const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');
const customerColumns = CUSTOMER_COLUMNS.map(([, column]) => column);
const updateSet = (columns: readonly string[], key: readonly string[]) =>
  columns
    .filter((c) => !key.includes(c))
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(', ');

function valuesList(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

/** n as full chunks of `max` and one remainder. */
function* sizes(n: number, max: number): Generator<number> {
  for (let left = n; left > 0; left -= max) yield Math.min(left, max);
}

const memo = <T>(build: (n: number) => T) => {
  const cache = new Map<number, T>();
  return (n: number) => {
    let value = cache.get(n);
    if (value === undefined) cache.set(n, (value = build(n)));
    return value;
  };
};

const selectCustomers = memo(
  (n) =>
    `SELECT ${quoted(customerColumns)} FROM "customers" WHERE "customer_id" IN (${valuesList(1, n).slice(1, -1)})`,
);
const selectSpend = memo(
  (n) =>
    `SELECT ${quoted(SPEND_COLUMNS)} FROM "customer_spend" WHERE "customer_id" IN (${valuesList(1, n).slice(1, -1)})`,
);
const insertCustomers = memo(
  (n) =>
    `INSERT INTO "customers" (${quoted(customerColumns)}) VALUES ${valuesList(n, customerColumns.length)}`,
);
const upsertCustomers = memo(
  (n) =>
    `${insertCustomers(n)} ON CONFLICT ("customer_id") DO UPDATE SET ${updateSet(customerColumns, ['customer_id'])}`,
);
const upsertSpend = memo(
  (n) =>
    `INSERT INTO "customer_spend" (${quoted(SPEND_COLUMNS)}) VALUES ${valuesList(n, SPEND_COLUMNS.length)} ` +
    `ON CONFLICT ("customer_id", "currency") DO UPDATE SET ${updateSet(SPEND_COLUMNS, ['customer_id', 'currency'])}`,
);

/** SQLite: multi-row statements of at most MAX_ROWS rows; a few per batch. */
export class SqliteCustomerRowsStore implements CustomerRowsStore {
  async load(manager: EntityManager, customerIds: readonly string[]): Promise<Map<string, CustomerState>> {
    // No lock to take: this process has one connection, queued (runExclusive); another process writing
    // meanwhile makes this transaction's first write fail busy, and the projector retries the batch.
    const states = new Map<string, CustomerState>();
    let at = 0;
    for (const size of sizes(customerIds.length, MAX_IDS)) {
      const ids = customerIds.slice(at, (at += size));
      const rows = (await manager.query(selectCustomers(size), ids)) as Record<string, unknown>[];
      for (const row of rows) states.set(String(row.customer_id), customerStateFromRow(row));
      const spend = (await manager.query(selectSpend(size), ids)) as Record<string, unknown>[];
      for (const s of spend) {
        const state = states.get(String(s.customer_id));
        if (state) addSpendRow(state, s);
      }
    }
    return states;
  }

  async write(manager: EntityManager, rows: CustomerRowsWrite): Promise<void> {
    const { updatedAt } = rows;
    await this.inChunks(manager, rows.inserts, insertCustomers, (s) => customerRowValues(s, updatedAt));
    await this.inChunks(manager, rows.updates, upsertCustomers, (s) => customerRowValues(s, updatedAt));
    await this.inChunks(manager, rows.spend, upsertSpend, (s) => [
      s.customerId,
      s.currency,
      s.totalMinor.toString(),
      s.purchases,
    ]);
  }

  private async inChunks<T>(
    manager: EntityManager,
    items: readonly T[],
    statement: (rows: number) => string,
    values: (item: T) => unknown[],
  ): Promise<void> {
    let at = 0;
    for (const size of sizes(items.length, MAX_ROWS)) {
      const params: unknown[] = [];
      for (const item of items.slice(at, (at += size))) params.push(...values(item));
      await manager.query(statement(size), params);
    }
  }
}
