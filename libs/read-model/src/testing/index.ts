// Test support: a second public entry point (`@crm/read-model/testing`), never imported by production code.
export * from './customer-history.generator';
export * from './read-model.harness';
export * from './read-model.contract';
export * from '../rebuild/testing/rebuild.contract';
