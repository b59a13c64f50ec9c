import { BeforeApplicationShutdown, DynamicModule, Global, Inject, Injectable, Module } from '@nestjs/common';
import { WORKER_PART } from './worker-part.status';
import type { WorkerProcessHost } from './worker-process.host';

@Injectable()
class WorkerPartDrain implements BeforeApplicationShutdown {
  constructor(@Inject(WORKER_PART) private readonly host: WorkerProcessHost) {}

  /** Before the API's own adapters close, while HTTP still answers: the worker process drains and exits. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.host.stop();
  }
}

/**
 * Puts `crm serve`'s worker process host into the API application: its state for /health and /metrics
 * (WORKER_PART), and its drain into the application's shutdown.
 */
@Global()
@Module({})
export class WorkerHostModule {
  static forRoot(host: WorkerProcessHost): DynamicModule {
    return {
      module: WorkerHostModule,
      providers: [{ provide: WORKER_PART, useValue: host }, WorkerPartDrain],
      exports: [WORKER_PART],
    };
  }
}
