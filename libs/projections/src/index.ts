// The worker's parts as a library: relay, projector consumers, rebuild, republish, and the modules that wire them.
export * from './projections/analytics.consumer';
export * from './projections/read-model.consumer';
export * from './rebuild/projection-rebuild.service';
export * from './rebuild/rebuild-root.module';
export * from './rebuild/rebuild.module';
export * from './relay/relay.runner';
export * from './relay/relay.service';
export * from './republish/history.republisher';
export * from './scores/customer-scores.job';
export * from './scores/customer-scores.module';
export * from './worker-root.module';
export * from './worker.module';
export * from './host';
