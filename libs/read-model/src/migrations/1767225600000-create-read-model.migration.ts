import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';
import { ISO_TIME_LENGTH, POSITION_LENGTH } from '../entities/column-types';
import { isPostgres, quotedTable } from '../sql-dialect';

const text = (name: string, nullable = true, length?: string): TableColumnOptions => ({
  name,
  type: 'varchar',
  length,
  isNullable: nullable,
});
const time = (name: string, nullable = true): TableColumnOptions => text(name, nullable, ISO_TIME_LENGTH);
const int = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'integer',
  isNullable: nullable,
});

/**
 * The Customer 360 schema. Written with the QueryRunner Table API so the one migration runs on PostgreSQL and
 * SQLite; the only dialect switch is the binary "C" collation of customer ids, which SQLite has by default
 * (as BINARY) and does not know by that name.
 */
export class CreateReadModel1767225600000 implements MigrationInterface {
  name = 'CreateReadModel1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const idCollation = isPostgres(queryRunner.connection) ? 'C' : undefined;
    const customerId: TableColumnOptions = {
      name: 'customer_id',
      type: 'varchar',
      isPrimary: true,
      collation: idCollation,
    };

    await queryRunner.createTable(
      new Table({
        name: 'customers',
        columns: [
          customerId,
          ...['name', 'email', 'phone', 'country', 'city'].map((c) => text(c)),
          int('birth_year', true),
          text('gender'),
          text('income_band'),
          { name: 'attributes', type: 'text', isNullable: true },
          text('stage', false, '16'),
          text('acquisition_channel'),
          text('acquisition_campaign'),
          text('referred_by'),
          time('acquired_at'),
          time('churned_at'),
          text('churn_reason'),
          int('reactivated_count'),
          int('contacts_count'),
          int('purchases_count'),
          int('referrals_made'),
          time('first_purchase_at'),
          time('last_purchase_at'),
          time('first_contact_at'),
          time('last_contact_at'),
          int('stream_revision'),
          text('last_global_position', false, POSITION_LENGTH),
          time('updated_at', false),
        ],
        indices: [
          new TableIndex({ name: 'IDX_customers_stage', columnNames: ['stage'] }),
          new TableIndex({ name: 'IDX_customers_country', columnNames: ['country'] }),
          new TableIndex({ name: 'IDX_customers_acquisition_channel', columnNames: ['acquisition_channel'] }),
        ],
      }),
    );

    // Keyset sorts order by COALESCE(time, '') then id (NULL sorts first in SQLite and last in PostgreSQL
    // ascending; the empty string puts "never" before every time on both). Expression indexes are the same
    // SQL on both engines and are what the list query's ORDER BY can use.
    const customers = quotedTable(queryRunner.connection, 'customers');
    for (const [name, column] of [
      ['IDX_customers_acquired_at_sort', 'acquired_at'],
      ['IDX_customers_last_purchase_at_sort', 'last_purchase_at'],
    ]) {
      await queryRunner.query(
        `CREATE INDEX "${name}" ON ${customers} (COALESCE("${column}", ''), "customer_id")`,
      );
    }

    await queryRunner.createTable(
      new Table({
        name: 'customer_spend',
        columns: [
          customerId,
          { ...text('currency', false, '3'), isPrimary: true },
          { name: 'total_minor', type: 'bigint', isNullable: false },
          int('purchases'),
        ],
        indices: [
          new TableIndex({
            name: 'IDX_customer_spend_currency_total',
            columnNames: ['currency', 'total_minor', 'customer_id'],
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'projection_checkpoints',
        columns: [
          { ...text('projection', false, '200'), isPrimary: true },
          text('position', false, POSITION_LENGTH),
          time('updated_at', false),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'projection_offsets',
        columns: [
          { ...text('projection', false, '200'), isPrimary: true },
          { ...text('topic', false, '255'), isPrimary: true },
          { ...int('partition'), isPrimary: true },
          text('offset', false, POSITION_LENGTH),
          time('updated_at', false),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['projection_offsets', 'projection_checkpoints', 'customer_spend', 'customers']) {
      await queryRunner.dropTable(table);
    }
  }
}
