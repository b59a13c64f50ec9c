export * from './read-model.constants';
export * from './read-model.errors';
export { isReadModelUnavailable } from './read-model-unavailable';
export * from './customer-summary.types';
export { foldCustomerSummary } from './customer-summary.fold';
export { toCustomerSummary } from './customer-summary.mapper';
export { createReadModelDataSource, type ReadModelDataSourceOptions } from './data-source.factory';
export { READ_MODEL_ENTITIES } from './entities/read-model.entities';
export { READ_MODEL_MIGRATIONS } from './migrations/read-model.migrations';
export { CustomerEntity } from './entities/customer.entity';
export { CustomerSpendEntity } from './entities/customer-spend.entity';
export { CustomerScoreEntity } from './entities/customer-score.entity';
export { CustomerScoresRepository, type CustomerScoreRow } from './customer-scores.repository';
export { npsClassOf } from './customer-file.fold';
export { ProjectionCheckpointEntity } from './entities/projection-checkpoint.entity';
export { ProjectionOffsetEntity } from './entities/projection-offset.entity';
export {
  CustomerReadModelProjector,
  type ApplyCheckpoint,
  type ApplyResult,
  type CustomerReadModelProjectorOptions,
} from './customer-read-model.projector';
export type { PartitionOffset, ProjectionCheckpoint } from './projection-checkpoint.repository';
export { contiguousPosition, readOffsets, writeCheckpoint } from './projection-checkpoint.repository';
export {
  CustomerQueries,
  CUSTOMER_SORTS,
  MAX_LIST_LIMIT,
  type CustomerListItem,
  type CustomerPage,
  type CustomerSort,
  type ListCustomersQuery,
  type SortOrder,
} from './customer.queries';
export { RelayLeaseEntity } from './entities/relay-lease.entity';
export { isPostgres, quotedTable } from './sql-dialect';
export { runExclusive } from './exclusive-access';
export * from './read-model.module';
export { LeaseLostError, readRelayLease, RelayLease, type RelayLeaseState } from './relay-lease.repository';
export * from './rebuild';
