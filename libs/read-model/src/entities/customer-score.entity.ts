import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ISO_TIME_LENGTH, bigintAsString } from './column-types';

/**
 * What the analytical models say of one customer, copied from ClickHouse by the scoring job
 * (libs/projections/src/scores) so that the Customer 360 reads it by primary key, never calling ClickHouse on
 * the request path. Not a projection of events: a rebuild of the read model leaves this table alone.
 */
@Entity({ name: 'customer_scores' })
@Index('IDX_customer_scores_model', ['modelId'])
export class CustomerScoreEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', collation: 'C' })
  customerId!: string;

  /** The CLV model (clv_models.model_id) the values come from. */
  @Column({ name: 'model_id', type: 'varchar' }) modelId!: string;
  @Column({ type: 'varchar', length: '10' }) cutoff!: string;
  @Column({ type: 'varchar', length: '3' }) currency!: string;
  @Column({ name: 'predicted_clv_minor', type: 'bigint', transformer: bigintAsString })
  predictedClvMinor!: string;
  @Column({ name: 'p_alive', type: 'double precision' }) pAlive!: number;
  @Column({ name: 'rfm_segment', type: 'varchar', nullable: true }) rfmSegment!: string | null;
  @Column({ name: 'portfolio_potential', type: 'varchar', length: '4' }) portfolioPotential!: 'high' | 'low';
  @Column({ name: 'portfolio_loyalty', type: 'varchar', length: '4' }) portfolioLoyalty!: 'high' | 'low';
  @Column({ name: 'portfolio_action', type: 'varchar' }) portfolioAction!: string;
  @Column({ name: 'scored_at', type: 'varchar', length: ISO_TIME_LENGTH }) scoredAt!: string;
}
