import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ISO_TIME_LENGTH, POSITION_LENGTH } from './column-types';

/**
 * Kafka partition offsets consumed by a projection, stored with the data (not committed to Kafka only), so a
 * crash between the data commit and an offset commit cannot lose or double-apply a batch.
 * `offset` is stored exactly as the consumer passed it (by kafkajs convention, the next offset to read);
 * `position` is the highest global position handled in the partition (NULL: not reported by the consumer).
 */
@Entity({ name: 'projection_offsets' })
export class ProjectionOffsetEntity {
  @PrimaryColumn({ type: 'varchar', length: '200' })
  projection!: string;

  @PrimaryColumn({ type: 'varchar', length: '255' })
  topic!: string;

  @PrimaryColumn({ type: 'integer' })
  partition!: number;

  @Column({ type: 'varchar', length: POSITION_LENGTH })
  offset!: string;

  @Column({ type: 'varchar', length: POSITION_LENGTH, nullable: true })
  position!: string | null;

  @Column({ name: 'updated_at', type: 'varchar', length: ISO_TIME_LENGTH })
  updatedAt!: string;
}
