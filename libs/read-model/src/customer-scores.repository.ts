import type { DataSource } from 'typeorm';
import { CustomerScoreEntity } from './entities/customer-score.entity';
import { runExclusive } from './exclusive-access';
import { placeholder, quotedTable } from './sql-dialect';

/** One customer's scores as the scoring job writes them. */
export interface CustomerScoreRow {
  readonly customerId: string;
  readonly modelId: string;
  readonly cutoff: string;
  readonly currency: string;
  readonly predictedClvMinor: number;
  readonly pAlive: number;
  readonly rfmSegment: string | null;
  readonly portfolioPotential: 'high' | 'low';
  readonly portfolioLoyalty: 'high' | 'low';
  readonly portfolioAction: string;
  readonly scoredAt: string;
}

/** The columns of `customer_scores` after its key, `customer_id` (also what the Customer 360 selects). */
export const SCORE_VALUE_COLUMNS = [
  'model_id',
  'cutoff',
  'currency',
  'predicted_clv_minor',
  'p_alive',
  'rfm_segment',
  'portfolio_potential',
  'portfolio_loyalty',
  'portfolio_action',
  'scored_at',
] as const;
const COLUMNS = ['customer_id', ...SCORE_VALUE_COLUMNS] as const;
/** Rows per statement: 11 parameters each, far below SQLite's and PostgreSQL's bound-parameter limits. */
const ROWS_PER_STATEMENT = 500;

const values = (r: CustomerScoreRow) => [
  r.customerId,
  r.modelId,
  r.cutoff,
  r.currency,
  Math.round(r.predictedClvMinor),
  r.pAlive,
  r.rfmSegment,
  r.portfolioPotential,
  r.portfolioLoyalty,
  r.portfolioAction,
  r.scoredAt,
];

/**
 * `customer_scores`: written in batches by the scoring job, read by primary key by the Customer 360. Each row
 * is replaced whole, so a customer's values always come from one model.
 */
export class CustomerScoresRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Upserts one batch in one transaction. */
  write(rows: readonly CustomerScoreRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const ds = this.dataSource;
    const table = quotedTable(ds, 'customer_scores');
    const columns = COLUMNS.map((c) => `"${c}"`).join(', ');
    const set = SCORE_VALUE_COLUMNS.map((c) => `"${c}" = EXCLUDED."${c}"`).join(', ');
    return runExclusive(ds, () =>
      ds.transaction(async (manager) => {
        for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) {
          const chunk = rows.slice(at, at + ROWS_PER_STATEMENT);
          let n = 0;
          const tuples = chunk
            .map(() => `(${COLUMNS.map(() => placeholder(ds, ++n)).join(', ')})`)
            .join(', ');
          await manager.query(
            `INSERT INTO ${table} (${columns}) VALUES ${tuples} ON CONFLICT ("customer_id") DO UPDATE SET ${set}`,
            chunk.flatMap(values),
          );
        }
      }),
    );
  }

  /** Removes the scores of every other model: customers the latest model no longer scores lose stale values. */
  retainOnly(modelId: string): Promise<number> {
    return runExclusive(this.dataSource, async () => {
      const result = await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(CustomerScoreEntity)
        .where('model_id <> :modelId', { modelId })
        .execute();
      return result.affected ?? 0;
    });
  }

  /** How many customers hold scores of this model. */
  async count(modelId?: string): Promise<number> {
    return runExclusive(this.dataSource, () =>
      this.dataSource.getRepository(CustomerScoreEntity).countBy(modelId === undefined ? {} : { modelId }),
    );
  }
}
