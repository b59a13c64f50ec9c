// `crm serve`'s worker part in a child process (its entry point, worker-process.main, is not exported).
export * from './forwarded-engine.connection';
export * from './worker-host.module';
export * from './worker-part.state-file';
export * from './worker-part.status';
export * from './worker-process.host';
