export * from './app.config';
export * from './config.module';
export * from './api-keys.setting';
export * from './json.logger';
export * from './customer-economics.setting';
