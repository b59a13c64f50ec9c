// The analytical answers, for the API and the CLI. Each reads the views of infra/clickhouse (0004+).
export * from './analytics-money';
export * from './analytics-query.errors';
export * from './analytics-query.params';
export * from './best-customer-profile.query';
export * from './churn-rate.query';
export * from './cohorts.query';
export * from './lifecycle-funnel.query';
export * from './ltv.query';
export * from './promoters.query';
export * from './purchase-timing.query';
export * from './rfm.query';
export * from './clv-summary.query';
export * from './portfolio-matrix.query';
export * from './predictive-ltv.query';
