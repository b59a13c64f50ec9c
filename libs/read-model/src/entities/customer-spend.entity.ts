import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsString } from './column-types';

/** Spend per customer and currency: amounts in different currencies are never summed together. */
@Entity({ name: 'customer_spend' })
@Index('IDX_customer_spend_currency_total', ['currency', 'totalMinor', 'customerId'])
export class CustomerSpendEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', collation: 'C' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: '3' })
  currency!: string;

  /** Minor units as a decimal string (int8 on PostgreSQL, INTEGER on SQLite). */
  @Column({ name: 'total_minor', type: 'bigint', transformer: bigintAsString })
  totalMinor!: string;

  @Column({ type: 'integer' })
  purchases!: number;
}
