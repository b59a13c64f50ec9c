import type { DataSource, EntityManager } from 'typeorm';
import {
  addSpendRow,
  CUSTOMER_COLUMNS,
  customerRowValues,
  customerStateFromRow,
  SPEND_COLUMNS,
} from '../customer-row.codec';
import type { CustomerState } from '../customer-summary.fold';
import { quotedTable } from '../sql-dialect';
import type { CustomerRowsStore, CustomerRowsWrite, SpendWrite } from './customer-rows.store';

const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');
const customerColumns = CUSTOMER_COLUMNS.map(([, column]) => column);
const updateSet = (columns: readonly string[], key: readonly string[]) =>
  columns
    .filter((c) => !key.includes(c))
    .map((c) => `"${c}" = EXCLUDED."${c}"`)
    .join(', ');

/**
 * PostgreSQL: one statement per table and batch whatever its size. Rows travel as one JSON array
 * parameter that `json_populate_recordset` turns into rows of the table's own type, so the server does the
 * parsing and the typing (JSON.stringify is native; binding thousands of parameters is not).
 */
export class PostgresCustomerRowsStore implements CustomerRowsStore {
  private readonly customers: string;
  private readonly spend: string;
  private readonly sql: {
    select: string;
    selectForUpdate: string;
    selectSpend: string;
    insert: string;
    upsert: string;
    spend: string;
  };

  constructor(dataSource: DataSource) {
    this.customers = quotedTable(dataSource, 'customers');
    this.spend = quotedTable(dataSource, 'customer_spend');
    const fromJson = (table: string, columns: readonly string[]) =>
      `INSERT INTO ${table} (${quoted(columns)}) ` +
      `SELECT ${quoted(columns)} FROM json_populate_recordset(NULL::${table}, $1::json)`;
    const insert = fromJson(this.customers, customerColumns);
    const select = `SELECT ${quoted(customerColumns)} FROM ${this.customers} WHERE "customer_id" = ANY($1::varchar[])`;
    this.sql = {
      select,
      // Locked in one order: concurrent batches wait for each other instead of deadlocking. Per-customer
      // order is the bus's job; the lock makes a stray concurrent batch wait instead of overwriting.
      selectForUpdate: `${select} ORDER BY "customer_id" FOR UPDATE`,
      selectSpend: `SELECT ${quoted(SPEND_COLUMNS)} FROM ${this.spend} WHERE "customer_id" = ANY($1::varchar[])`,
      insert,
      upsert: `${insert} ON CONFLICT ("customer_id") DO UPDATE SET ${updateSet(customerColumns, ['customer_id'])}`,
      spend:
        `${fromJson(this.spend, SPEND_COLUMNS)} ON CONFLICT ("customer_id", "currency") ` +
        `DO UPDATE SET ${updateSet(SPEND_COLUMNS, ['customer_id', 'currency'])}`,
    };
  }

  async load(
    manager: EntityManager,
    customerIds: readonly string[],
    { lock }: { lock: boolean },
  ): Promise<Map<string, CustomerState>> {
    const states = new Map<string, CustomerState>();
    if (customerIds.length === 0) return states;
    const rows = (await manager.query(lock ? this.sql.selectForUpdate : this.sql.select, [
      customerIds,
    ])) as Record<string, unknown>[];
    for (const row of rows) states.set(String(row.customer_id), customerStateFromRow(row));
    const spend = (await manager.query(this.sql.selectSpend, [customerIds])) as Record<string, unknown>[];
    for (const s of spend) {
      const state = states.get(String(s.customer_id));
      if (state) addSpendRow(state, s);
    }
    return states;
  }

  async write(manager: EntityManager, rows: CustomerRowsWrite): Promise<void> {
    if (rows.inserts.length > 0)
      await manager.query(this.sql.insert, [customersJson(rows.inserts, rows.updatedAt)]);
    if (rows.updates.length > 0)
      await manager.query(this.sql.upsert, [customersJson(rows.updates, rows.updatedAt)]);
    if (rows.spend.length > 0) await manager.query(this.sql.spend, [spendJson(rows.spend)]);
  }
}

function customersJson(states: readonly CustomerState[], updatedAt: string): string {
  return JSON.stringify(
    states.map((state) => {
      const values = customerRowValues(state, updatedAt);
      const row: Record<string, unknown> = {};
      for (let i = 0; i < customerColumns.length; i++) row[customerColumns[i]] = values[i];
      return row;
    }),
  );
}

const spendJson = (spend: readonly SpendWrite[]): string =>
  JSON.stringify(
    spend.map((s) => ({
      customer_id: s.customerId,
      currency: s.currency,
      total_minor: s.totalMinor.toString(),
      purchases: s.purchases,
    })),
  );
