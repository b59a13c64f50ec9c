import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ISO_TIME_LENGTH } from '../entities/column-types';

/** Right to erasure: when the customer's personal data was erased (NULL: never). */
export class AddCustomerErasedAt1767225900000 implements MigrationInterface {
  name = 'AddCustomerErasedAt1767225900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Plain ALTER TABLE on both engines: TypeORM's SQLite addColumn recreates the table and trips over the
    // expression indexes of the first migration.
    await queryRunner.query(
      `ALTER TABLE "customers" ADD COLUMN "erased_at" varchar(${ISO_TIME_LENGTH}) NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "customers" DROP COLUMN "erased_at"');
  }
}
