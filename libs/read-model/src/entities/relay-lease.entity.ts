import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ISO_TIME_LENGTH, POSITION_LENGTH } from './column-types';

/**
 * Leadership and checkpoint of the relay (event store -> bus), in one row so that only the lease holder
 * can move the checkpoint. Written with conditional UPDATEs by the worker's RelayLease.
 */
@Entity({ name: 'relay_leases' })
export class RelayLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: '200' })
  name!: string;

  @Column({ type: 'varchar', length: '200', nullable: true })
  owner!: string | null;

  /** Epoch milliseconds after which another relay may take over. */
  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt!: string;

  /** Last global position published (decimal string), or null before the first batch. */
  @Column({ type: 'varchar', length: POSITION_LENGTH, nullable: true })
  position!: string | null;

  /** recordedAt of the event at `position`: the relay's lag in milliseconds is measured from it. */
  @Column({ name: 'position_recorded_at', type: 'varchar', length: ISO_TIME_LENGTH, nullable: true })
  positionRecordedAt!: string | null;
}
