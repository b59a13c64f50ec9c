import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ISO_TIME_LENGTH, POSITION_LENGTH } from './column-types';

/**
 * Highest global position a projection has applied, written in the same transaction as the data it covers.
 * A decimal string: compared numerically by the writer, never by SQL text order.
 */
@Entity({ name: 'projection_checkpoints' })
export class ProjectionCheckpointEntity {
  @PrimaryColumn({ type: 'varchar', length: '200' })
  projection!: string;

  @Column({ type: 'varchar', length: POSITION_LENGTH })
  position!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: ISO_TIME_LENGTH })
  updatedAt!: string;
}
