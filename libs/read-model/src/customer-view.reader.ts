import type { DataSource, EntityManager } from 'typeorm';
import {
  addSpendRow,
  CUSTOMER_COLUMNS,
  customerStateFromRow,
  SPEND_COLUMNS,
  type CustomerRecord,
} from './customer-row.codec';
import { SCORE_VALUE_COLUMNS } from './customer-scores.repository';
import { summaryOf } from './customer-summary.fold';
import type { CustomerScoresView, CustomerView } from './customer-summary.types';
import { CUSTOMER_READ_MODEL_PROJECTION } from './read-model.constants';
import { placeholder, quotedTable } from './sql-dialect';

/**
 * The Customer 360 read in two statements of raw SQL, each by primary key: the `customers` row with its
 * scores (LEFT JOIN `customer_scores`) and the projection's checkpoint (a scalar subquery), then its spend.
 * Rows go through the projector's own codec and `summaryOf`, so the answer has exactly the fold's shape;
 * no entity metadata or query building per request (that was most of the request's time).
 */
export class CustomerViewReader {
  private readonly selectRow: string;
  private readonly selectSpend: string;
  private prepared?: {
    readonly db: SqliteConnection;
    readonly read: (customerId: string) => CustomerView | null;
  };

  constructor(private readonly dataSource: DataSource) {
    const p = (i: number) => placeholder(dataSource, i);
    const customerColumns = CUSTOMER_COLUMNS.map(([, column]) => `c."${column}"`).join(', ');
    const scoreColumns = SCORE_VALUE_COLUMNS.map((column) => `s."${column}" AS "score_${column}"`).join(', ');
    this.selectRow =
      `SELECT ${customerColumns}, ${scoreColumns}, ` +
      `(SELECT "position" FROM ${quotedTable(dataSource, 'projection_checkpoints')} WHERE "projection" = ${p(1)}) ` +
      `AS "projection_position" ` +
      `FROM ${quotedTable(dataSource, 'customers')} c ` +
      `LEFT JOIN ${quotedTable(dataSource, 'customer_scores')} s ON s."customer_id" = c."customer_id" ` +
      `WHERE c."customer_id" = ${p(2)}`;
    this.selectSpend =
      `SELECT ${SPEND_COLUMNS.map((c) => `"${c}"`).join(', ')} ` +
      `FROM ${quotedTable(dataSource, 'customer_spend')} WHERE "customer_id" = ${p(1)}`;
  }

  /** Inside the caller's transaction: row and spend from the same tables even across a rebuild's swap. */
  async read(manager: EntityManager, customerId: string): Promise<CustomerView | null> {
    const [row] = (await manager.query(this.selectRow, [
      CUSTOMER_READ_MODEL_PROJECTION,
      customerId,
    ])) as CustomerRecord[];
    if (!row) return null;
    const spend = (await manager.query(this.selectSpend, [customerId])) as CustomerRecord[];
    return viewOf(row, spend);
  }

  /**
   * The same read on SQLite without TypeORM: both statements prepared once, run in one read transaction
   * (one WAL snapshot) within a single synchronous call, so nothing else on this connection can interleave.
   * Undefined when the connection is inside another transaction right now (a projector's or a rebuild's,
   * between its awaits): reading there would see its uncommitted rows, so the caller queues instead.
   */
  readNow(customerId: string): CustomerView | null | undefined {
    const db = this.sqlite();
    if (!db || db.inTransaction) return undefined;
    if (!this.prepared || this.prepared.db !== db) {
      const row = db.prepare(this.selectRow);
      const spend = db.prepare(this.selectSpend);
      const read = db.transaction((id: string) => {
        const found = row.get(CUSTOMER_READ_MODEL_PROJECTION, id) as CustomerRecord | undefined;
        return found ? viewOf(found, spend.all(id) as CustomerRecord[]) : null;
      });
      this.prepared = { db, read };
    }
    return this.prepared.read(customerId);
  }

  private sqlite(): SqliteConnection | undefined {
    if (this.dataSource.driver.options.type !== 'better-sqlite3') return undefined;
    const db = (this.dataSource.driver as unknown as { databaseConnection?: SqliteConnection })
      .databaseConnection;
    return db?.open ? db : undefined;
  }
}

/** The part of better-sqlite3's Database this reader uses. */
interface SqliteConnection {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): { get(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
}

function viewOf(row: CustomerRecord, spend: readonly CustomerRecord[]): CustomerView {
  const state = customerStateFromRow(row);
  for (const s of spend) addSpendRow(state, s);
  const scores = scoresOf(row);
  const updatedAt = String(row.updated_at);
  const projectionPosition = row.projection_position == null ? null : String(row.projection_position);
  return {
    ...summaryOf(state),
    updatedAt,
    scores,
    freshness: {
      events: {
        streamRevision: state.streamRevision,
        lastGlobalPosition: state.lastGlobalPosition,
        projectionPosition,
        updatedAt,
      },
      scores: scores && { modelId: scores.modelId, cutoff: scores.cutoff, scoredAt: scores.scoredAt },
    },
  };
}

function scoresOf(row: CustomerRecord): CustomerScoresView | null {
  if (row.score_model_id == null) return null;
  return {
    modelId: String(row.score_model_id),
    cutoff: String(row.score_cutoff),
    currency: String(row.score_currency),
    predictedClvMinor: Number(row.score_predicted_clv_minor),
    pAlive: Number(row.score_p_alive),
    rfmSegment: row.score_rfm_segment == null ? null : String(row.score_rfm_segment),
    portfolio: {
      potential: String(row.score_portfolio_potential) as 'high' | 'low',
      loyalty: String(row.score_portfolio_loyalty) as 'high' | 'low',
      action: String(row.score_portfolio_action),
    },
    scoredAt: String(row.score_scored_at),
  };
}
