// `crm serve`'s worker part in a child process (its entry point, worker-process.main, is not exported).
export * from './forwarded-engine.connection';
export * from './worker-host.module';
export * from './worker-part.state-file';
export * from './worker-part.status';
export * from './worker-process.host';
export * from './api-cluster.member';
export * from './api-cluster.primary';
export * from './api-process.link';
export { API_PROCESS_ENV } from './api-cluster.messages';
export * from './api-process.environment';
export * from './api-cluster.module';
