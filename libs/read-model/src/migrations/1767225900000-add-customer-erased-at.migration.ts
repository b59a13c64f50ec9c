import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ISO_TIME_LENGTH } from '../entities/column-types';

const ERASED_AT = new TableColumn({
  name: 'erased_at',
  type: 'varchar',
  length: ISO_TIME_LENGTH,
  isNullable: true,
});

/**
 * Right to erasure: when the customer's personal data was erased (NULL: never). On SQLite a plain ALTER
 * TABLE, as TypeORM's SQLite addColumn recreates the table and trips over the expression indexes of the
 * first migration; on PostgreSQL TypeORM's own (it knows the configured schema).
 */
export class AddCustomerErasedAt1767225900000 implements MigrationInterface {
  name = 'AddCustomerErasedAt1767225900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.addColumn('customers', ERASED_AT);
      return;
    }
    await queryRunner.query(
      `ALTER TABLE "customers" ADD COLUMN "erased_at" varchar(${ISO_TIME_LENGTH}) NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.dropColumn('customers', 'erased_at');
      return;
    }
    await queryRunner.query('ALTER TABLE "customers" DROP COLUMN "erased_at"');
  }
}
