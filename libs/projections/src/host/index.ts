// `crm serve`'s worker part in a worker thread (the thread's entry point, worker-thread.main, is not exported).
export * from './worker-host.module';
export * from './worker-part.state-file';
export * from './worker-part.status';
export * from './worker-thread.host';
