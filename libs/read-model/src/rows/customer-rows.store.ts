import type { DataSource, EntityManager } from 'typeorm';
import type { CustomerState } from '../customer-summary.fold';
import { isPostgres } from '../sql-dialect';
import { PostgresCustomerRowsStore } from './postgres.customer-rows.store';
import { SqliteCustomerRowsStore } from './sqlite.customer-rows.store';

/** A spend row to write: the customer's whole total in that currency after the batch. */
export interface SpendWrite {
  readonly customerId: string;
  readonly currency: string;
  readonly totalMinor: bigint;
  readonly purchases: number;
}

/** What one batch writes: each touched customer once, whatever the number of its events in the batch. */
export interface CustomerRowsWrite {
  /** Customers the batch saw first: plain INSERTs (a concurrent writer's insert fails one of them). */
  readonly inserts: readonly CustomerState[];
  /** Customers loaded (and, on PostgreSQL, locked) at the start of the batch. */
  readonly updates: readonly CustomerState[];
  readonly spend: readonly SpendWrite[];
  readonly updatedAt: string;
}

/**
 * The projector's storage of `customers` and `customer_spend` in raw SQL through the transaction's query
 * runner: a few statements per batch, no entity metadata or query building per row.
 */
export interface CustomerRowsStore {
  /**
   * The stored states of these customers (those that exist), spend included. `lock`: hold their rows until
   * the transaction ends (PostgreSQL; SQLite's single connection already excludes other writers here).
   */
  load(
    manager: EntityManager,
    customerIds: readonly string[],
    options: { lock: boolean },
  ): Promise<Map<string, CustomerState>>;
  write(manager: EntityManager, rows: CustomerRowsWrite): Promise<void>;
}

export const customerRowsStoreFor = (dataSource: DataSource): CustomerRowsStore =>
  isPostgres(dataSource) ? new PostgresCustomerRowsStore(dataSource) : new SqliteCustomerRowsStore();
