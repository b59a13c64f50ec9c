// The HTTP entrance as a library: `apps/api` serves it alone, `crm serve` beside the worker in one process.
export * from './app.module';
export * from './bootstrap/create-api-app';
export * from './admin/pipeline-lag.query';
export * from './auth/api-key.hashing';
export * from './auth/dev-api-key';
export * from './auth/requires-scope.decorator';
export * from './auth/route-inventory';
export * from './customers/time-travel';
export * from './problems/api-problem';
export { SqlEntrance } from './analytics-sql/sql-entrance.server';
