import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ISO_TIME_LENGTH, POSITION_LENGTH } from '../entities/column-types';

/** The relay's lease and checkpoint (see RelayLeaseEntity). */
export class CreateRelayLeases1767225700000 implements MigrationInterface {
  name = 'CreateRelayLeases1767225700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'relay_leases',
        columns: [
          { name: 'name', type: 'varchar', length: '200', isPrimary: true },
          { name: 'owner', type: 'varchar', length: '200', isNullable: true },
          { name: 'expires_at', type: 'bigint', isNullable: false },
          { name: 'position', type: 'varchar', length: POSITION_LENGTH, isNullable: true },
          { name: 'position_recorded_at', type: 'varchar', length: ISO_TIME_LENGTH, isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('relay_leases');
  }
}
