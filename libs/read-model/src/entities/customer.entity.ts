import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AttributeValue } from '@crm/domain';
import type {
  ConsentView,
  CostTotal,
  CustomerStage,
  FeedbackView,
  NpsView,
  OpenComplaintView,
  PreferencesView,
} from '../customer-summary.types';
import { ISO_TIME_LENGTH, POSITION_LENGTH } from './column-types';

/**
 * One row per customer: the Customer 360. Maintained incrementally by the projector; `stream_revision` is the
 * idempotency guard (an event at or below it was already applied).
 *
 * `customer_id` is collated "C" on PostgreSQL (binary, like SQLite) so keyset pagination orders ids the same
 * on both engines whatever the database locale. The sort indexes are expressions created by the migration
 * (COALESCE keeps NULLs in one place on both engines), hence `synchronize: false` here.
 */
@Entity({ name: 'customers' })
@Index('IDX_customers_stage', ['stage'])
@Index('IDX_customers_country', ['country'])
@Index('IDX_customers_acquisition_channel', ['acquisitionChannel'])
@Index('IDX_customers_acquired_at_sort', { synchronize: false })
@Index('IDX_customers_last_purchase_at_sort', { synchronize: false })
export class CustomerEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', collation: 'C' })
  customerId!: string;

  @Column({ type: 'varchar', nullable: true }) name!: string | null;
  @Column({ type: 'varchar', nullable: true }) email!: string | null;
  @Column({ type: 'varchar', nullable: true }) phone!: string | null;
  @Column({ type: 'varchar', nullable: true }) country!: string | null;
  @Column({ type: 'varchar', nullable: true }) city!: string | null;
  @Column({ name: 'birth_year', type: 'integer', nullable: true }) birthYear!: number | null;
  @Column({ type: 'varchar', nullable: true }) gender!: string | null;
  @Column({ name: 'income_band', type: 'varchar', nullable: true }) incomeBand!: string | null;
  @Column({ type: 'simple-json', nullable: true }) attributes!: Record<string, AttributeValue> | null;

  @Column({ type: 'varchar', length: '16' }) stage!: CustomerStage;

  @Column({ name: 'acquisition_channel', type: 'varchar', nullable: true })
  acquisitionChannel!: string | null;
  @Column({ name: 'acquisition_campaign', type: 'varchar', nullable: true }) acquisitionCampaign!:
    string | null;
  @Column({ name: 'referred_by', type: 'varchar', nullable: true }) referredBy!: string | null;
  @Column({ name: 'acquired_at', type: 'varchar', length: ISO_TIME_LENGTH, nullable: true })
  acquiredAt!: string | null;

  @Column({ name: 'churned_at', type: 'varchar', length: ISO_TIME_LENGTH, nullable: true })
  churnedAt!: string | null;
  @Column({ name: 'churn_reason', type: 'varchar', nullable: true }) churnReason!: string | null;
  @Column({ name: 'reactivated_count', type: 'integer' }) reactivatedCount!: number;
  /** Right to erasure: set by CustomerPersonalDataErased, which also nulls name, email, phone and city. */
  @Column({ name: 'erased_at', type: 'varchar', length: ISO_TIME_LENGTH, nullable: true })
  erasedAt!: string | null;

  @Column({ name: 'contacts_count', type: 'integer' }) contactsCount!: number;
  @Column({ name: 'purchases_count', type: 'integer' }) purchasesCount!: number;
  @Column({ name: 'referrals_made', type: 'integer' }) referralsMade!: number;
  @Column({ name: 'first_purchase_at', type: 'varchar', length: ISO_TIME_LENGTH, nullable: true })
  firstPurchaseAt!: string | null;
  @Column({ name: 'last_purchase_at', type: 'varchar', length: ISO_TIME_LENGTH, nullable: true })
  lastPurchaseAt!: string | null;
  @Column({ name: 'first_contact_at', type: 'varchar', length: ISO_TIME_LENGTH, nullable: true })
  firstContactAt!: string | null;
  @Column({ name: 'last_contact_at', type: 'varchar', length: ISO_TIME_LENGTH, nullable: true })
  lastContactAt!: string | null;

  // The customer's file (issue 13's facts), JSON text written by the projector (customer-row.codec.ts).
  @Column({ type: 'simple-json', nullable: true }) nps!: NpsView | null;
  @Column({ type: 'simple-json', nullable: true }) csat!: FeedbackView | null;
  @Column({ name: 'complaints_opened', type: 'integer', default: 0 }) complaintsOpened!: number;
  @Column({ name: 'complaints_resolved', type: 'integer', default: 0 }) complaintsResolved!: number;
  // Lists are NULL in rows written before the columns existed (none of these facts could be published then).
  @Column({ name: 'open_complaints', type: 'simple-json', nullable: true })
  openComplaints!: OpenComplaintView[] | null;
  @Column({ type: 'simple-json', nullable: true }) consents!: ConsentView[] | null;
  @Column({ type: 'simple-json', nullable: true }) preferences!: PreferencesView | null;
  @Column({ name: 'cost_to_serve', type: 'simple-json', nullable: true }) costToServe!: CostTotal[] | null;
  @Column({ type: 'simple-json', nullable: true }) compensation!: CostTotal[] | null;

  @Column({ name: 'stream_revision', type: 'integer' }) streamRevision!: number;
  @Column({ name: 'last_global_position', type: 'varchar', length: POSITION_LENGTH })
  lastGlobalPosition!: string;
  @Column({ name: 'updated_at', type: 'varchar', length: ISO_TIME_LENGTH }) updatedAt!: string;
}
