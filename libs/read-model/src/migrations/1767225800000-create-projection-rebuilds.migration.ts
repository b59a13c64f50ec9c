import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ISO_TIME_LENGTH, POSITION_LENGTH } from '../entities/column-types';

/** One row per projection: the lease that lets one rebuild run at a time, and that run's progress. */
export class CreateProjectionRebuilds1767225800000 implements MigrationInterface {
  name = 'CreateProjectionRebuilds1767225800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const position = (name: string) => ({ name, type: 'varchar', length: POSITION_LENGTH, isNullable: true });
    const time = (name: string, isNullable = true) => ({
      name,
      type: 'varchar',
      length: ISO_TIME_LENGTH,
      isNullable,
    });
    await queryRunner.createTable(
      new Table({
        name: 'projection_rebuilds',
        columns: [
          { name: 'projection', type: 'varchar', length: '200', isPrimary: true },
          { name: 'owner', type: 'varchar', length: '200', isNullable: true },
          { name: 'lease_expires_at', type: 'bigint', isNullable: false },
          { name: 'status', type: 'varchar', length: '16', isNullable: false },
          time('started_at'),
          time('updated_at', false),
          time('finished_at'),
          position('start_position'),
          position('position'),
          position('target_position'),
          { name: 'events_applied', type: 'bigint', isNullable: false },
          { name: 'error', type: 'text', isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('projection_rebuilds');
  }
}
