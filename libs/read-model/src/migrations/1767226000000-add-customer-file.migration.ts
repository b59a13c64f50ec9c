import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { ISO_TIME_LENGTH } from '../entities/column-types';
import { isPostgres } from '../sql-dialect';

/** The customer's file on `customers`: JSON text (NULL in rows from before: nothing known), two counters. */
const FILE_COLUMNS: readonly { name: string; type: 'text' | 'integer'; default?: string }[] = [
  { name: 'nps', type: 'text' },
  { name: 'csat', type: 'text' },
  { name: 'complaints_opened', type: 'integer', default: '0' },
  { name: 'complaints_resolved', type: 'integer', default: '0' },
  { name: 'open_complaints', type: 'text' },
  { name: 'consents', type: 'text' },
  { name: 'preferences', type: 'text' },
  { name: 'cost_to_serve', type: 'text' },
  { name: 'compensation', type: 'text' },
];

/**
 * Issue 13's customer file: satisfaction, complaints, consents, preferences and costs on `customers` (kept by
 * the projector), and `customer_scores` (kept by the scoring job). On SQLite plain ALTER TABLEs, as TypeORM's
 * SQLite addColumn recreates the table and trips over the first migration's expression indexes; on
 * PostgreSQL TypeORM's own (it knows the configured schema).
 */
export class AddCustomerFile1767226000000 implements MigrationInterface {
  name = 'AddCustomerFile1767226000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = isPostgres(queryRunner.connection);
    if (postgres) {
      await queryRunner.addColumns(
        'customers',
        FILE_COLUMNS.map(
          (c) =>
            new TableColumn({
              name: c.name,
              type: c.type,
              isNullable: c.default === undefined,
              default: c.default,
            }),
        ),
      );
    } else {
      for (const c of FILE_COLUMNS) {
        const constraint = c.default === undefined ? 'NULL' : `NOT NULL DEFAULT ${c.default}`;
        await queryRunner.query(`ALTER TABLE "customers" ADD COLUMN "${c.name}" ${c.type} ${constraint}`);
      }
    }

    await queryRunner.createTable(
      new Table({
        name: 'customer_scores',
        columns: [
          {
            name: 'customer_id',
            type: 'varchar',
            isPrimary: true,
            collation: postgres ? 'C' : undefined,
          },
          { name: 'model_id', type: 'varchar' },
          { name: 'cutoff', type: 'varchar', length: '10' },
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'predicted_clv_minor', type: 'bigint' },
          { name: 'p_alive', type: 'double precision' },
          { name: 'rfm_segment', type: 'varchar', isNullable: true },
          { name: 'portfolio_potential', type: 'varchar', length: '4' },
          { name: 'portfolio_loyalty', type: 'varchar', length: '4' },
          { name: 'portfolio_action', type: 'varchar' },
          { name: 'scored_at', type: 'varchar', length: ISO_TIME_LENGTH },
        ],
        indices: [new TableIndex({ name: 'IDX_customer_scores_model', columnNames: ['model_id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('customer_scores');
    if (isPostgres(queryRunner.connection)) {
      await queryRunner.dropColumns(
        'customers',
        FILE_COLUMNS.map((c) => c.name),
      );
      return;
    }
    for (const c of FILE_COLUMNS) await queryRunner.query(`ALTER TABLE "customers" DROP COLUMN "${c.name}"`);
  }
}
