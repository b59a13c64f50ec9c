// Test support: a second public entry point (`@crm/analytics/testing`), never imported by production code.
export * from './analytics-snapshot';
export * from './analytics-test-database';
export * from './recorded-history.builder';
export * from './customer-facts.history';
