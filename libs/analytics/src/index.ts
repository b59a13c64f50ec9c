export * from './analytics.module';
export {
  ANALYTICS_CLICKHOUSE_SETTINGS,
  createAnalyticsClient,
  pingAnalytics,
  type AnalyticsClient,
  type AnalyticsClientOptions,
  type ForwardedEngine,
} from './clickhouse/analytics-client.factory';
export {
  fromClickHouseDateTime,
  runStatement,
  selectRows,
  toClickHouseDateTime,
  type QueryParams,
} from './clickhouse/clickhouse-statements';
export {
  EmbeddedConnectionClosedError,
  EmbeddedEngineBusyError,
  EmbeddedEngineElsewhereError,
  EmbeddedEngineError,
  EmbeddedEnginePathError,
  embeddedConnection,
  type EmbeddedSqlResult,
  type EmbeddedSqlSession,
  type InjectedConnection,
} from './clickhouse/embedded-connection';
export {
  checkDatabaseName,
  DEFAULT_ANALYTICS_DATABASE,
  InvalidDatabaseNameError,
} from './clickhouse/sql-names';
export {
  defaultMigrationsDir,
  loadClickHouseMigrations,
  MigrationFilesError,
  type ClickHouseMigration,
} from './migrations/clickhouse-migration.files';
export {
  ClickHouseMigrationsRunner,
  MigrationChecksumError,
  type AppliedMigration,
  type MigrationRunResult,
} from './migrations/clickhouse-migrations.runner';
export {
  AnalyticsBatcher,
  BatcherClosedError,
  type AnalyticsBatcherOptions,
} from './projector/analytics.batcher';
export {
  ANALYTICS_PROJECTION,
  AnalyticsProjector,
  type AnalyticsApplyResult,
} from './projector/analytics.projector';
export { MalformedAnalyticsEventError } from './projector/malformed-event.error';
export { isAnalyticsStream } from './projector/analytics-streams';
export {
  EVENT_ROW_COLUMNS,
  eventRowsSelect,
  insertEventRowsSql,
  RAW_EVENT_STRUCTURE,
} from './projector/event-row.sql';
export * from './clv/bg-nbd.model';
export * from './clv/gamma-gamma.model';
export * from './clv/clv.model';
export * from './clv/clv.discounting';
export * from './clv/clv-holdout.report';
export { ClvSummaryQuery, type ClvHoldoutRow, type ClvSummaryRow } from './queries/clv-summary.query';
export {
  AnalyticsRebuild,
  DEFAULT_LOAD_SETTINGS,
  shadowDatabaseName,
  type AnalyticsRebuildOptions,
} from './rebuild/analytics.rebuild';
export type { SqliteStoreFiles } from './rebuild/sqlite-store.source';
export * from './queries';
export * from './import/purchase-log.parser';
export * from './import/purchase-log.formats';
export * from './import/purchase-record';
