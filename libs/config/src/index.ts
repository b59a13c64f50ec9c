export * from './app.config';
export * from './config.module';
export * from './api-keys.setting';
export * from './json.logger';
export * from './consent-policy.setting';
export * from './customer-economics.setting';
