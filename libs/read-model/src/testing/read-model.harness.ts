import type { RecordedEvent } from '@crm/event-store';
import { customerStreamId, type MarketingSpendRecordedData } from '@crm/domain';
import type { DataSource, Logger } from 'typeorm';
import type { CustomerReadModelProjector } from '../customer-read-model.projector';
import { foldCustomerSummary } from '../customer-summary.fold';
import { toCustomerSummary } from '../customer-summary.mapper';
import type { CustomerSummary } from '../customer-summary.types';
import { CUSTOMER_READ_MODEL_PROJECTION } from '../read-model.constants';
import { CustomerSpendEntity } from '../entities/customer-spend.entity';
import { CustomerEntity } from '../entities/customer.entity';
import { ProjectionCheckpointEntity } from '../entities/projection-checkpoint.entity';
import { ProjectionOffsetEntity } from '../entities/projection-offset.entity';

/** A campaign's marketing spend (in its `campaign-spring-26` stream): what the read model must leave out. */
export const SPRING_SPEND = {
  campaign: 'spring-26',
  channel: 'paid_social',
  periodStart: '2026-01-01',
  periodEnd: '2026-01-31',
  amount: { minor: 50_000, currency: 'EUR' },
} satisfies MarketingSpendRecordedData;

/** What an engine-specific spec hands the shared contract: fresh, empty, not yet initialised databases. */
export interface ReadModelEngine {
  readonly name: string;
  /** A new empty database (SQLite file in a temp dir, or a new PostgreSQL schema). */
  create(options?: { logger?: Logger }): Promise<DataSource>;
  /** Destroys the DataSource and removes what `create` made. */
  dispose(dataSource: DataSource): Promise<void>;
}

/** A logger that counts statements while `counting` is on (to check batching), silent otherwise. */
export class CountingLogger implements Logger {
  counting = false;
  statements: string[] = [];
  logQuery(query: string): void {
    if (this.counting) this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Every table of the read model as plain, ordered rows: equal snapshots mean nothing changed. */
export async function snapshot(dataSource: DataSource) {
  return {
    customers: await dataSource.getRepository(CustomerEntity).find({ order: { customerId: 'ASC' } }),
    spend: await dataSource
      .getRepository(CustomerSpendEntity)
      .find({ order: { customerId: 'ASC', currency: 'ASC' } }),
    checkpoints: await dataSource
      .getRepository(ProjectionCheckpointEntity)
      .find({ order: { projection: 'ASC' } }),
    offsets: await dataSource
      .getRepository(ProjectionOffsetEntity)
      .find({ order: { projection: 'ASC', topic: 'ASC', partition: 'ASC' } }),
  };
}

/** Builds one customer's stream by hand: `stream('c-1', 10n).add(type, data, occurredAt)`. */
export function stream(customerId: string, firstPosition = 1n) {
  const events: RecordedEvent[] = [];
  const builder = {
    events,
    add(type: string, data: object, occurredAt = `2026-0${Math.min(9, events.length + 1)}-01T10:00:00Z`) {
      events.push({
        streamId: customerStreamId(customerId),
        streamRevision: events.length,
        globalPosition: firstPosition + BigInt(events.length),
        eventId: `${customerId}-e${events.length}`,
        type,
        occurredAt,
        recordedAt: occurredAt,
        data: data as Record<string, unknown>,
        metadata: { schemaVersion: 1 },
      });
      return builder;
    },
  };
  return builder;
}

/** Every customer of the read model, mapped to the fold's shape. */
export async function readModelSummaries(ds: DataSource): Promise<Map<string, CustomerSummary>> {
  const rows = await ds.getRepository(CustomerEntity).find();
  const spend = await ds.getRepository(CustomerSpendEntity).find();
  return new Map(rows.map((r) => [r.customerId, toCustomerSummary(r, spend)]));
}

export const foldAll = (streams: Map<string, RecordedEvent[]>): Map<string, CustomerSummary> =>
  new Map([...streams].map(([id, events]) => [id, foldCustomerSummary(events)]));

export async function applyInBatches(
  projector: CustomerReadModelProjector,
  events: readonly RecordedEvent[],
  size: number,
  projection = CUSTOMER_READ_MODEL_PROJECTION,
): Promise<void> {
  for (let i = 0; i < events.length; i += size) {
    await projector.apply(events.slice(i, i + size), { projection });
  }
}
