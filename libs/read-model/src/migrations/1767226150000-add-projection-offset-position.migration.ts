import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { POSITION_LENGTH } from '../entities/column-types';

const POSITION = new TableColumn({
  name: 'position',
  type: 'varchar',
  length: POSITION_LENGTH,
  isNullable: true,
});

/**
 * Each partition's highest handled global position, next to its offset, so the projection's position on a
 * partitioned bus can be reported as the one below which everything is handled (see contiguousPosition).
 * NULL: written before this column existed. SQLite: a plain ALTER TABLE (see AddCustomerErasedAt).
 */
export class AddProjectionOffsetPosition1767226150000 implements MigrationInterface {
  name = 'AddProjectionOffsetPosition1767226150000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.addColumn('projection_offsets', POSITION);
      return;
    }
    await queryRunner.query(
      `ALTER TABLE "projection_offsets" ADD COLUMN "position" varchar(${POSITION_LENGTH}) NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.dropColumn('projection_offsets', 'position');
      return;
    }
    await queryRunner.query('ALTER TABLE "projection_offsets" DROP COLUMN "position"');
  }
}
