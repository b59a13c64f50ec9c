import { BeforeApplicationShutdown, DynamicModule, Global, Inject, Injectable, Module } from '@nestjs/common';
import { WORKER_PART, type WorkerPartStatus } from './worker-part.status';

/** The worker part as the API application holds it: its state, and how the application's shutdown drains it. */
export type HostedWorkerPart = WorkerPartStatus & { stop(): Promise<void> };

@Injectable()
class WorkerPartDrain implements BeforeApplicationShutdown {
  constructor(@Inject(WORKER_PART) private readonly host: HostedWorkerPart) {}

  /**
   * Before the API's own adapters close, while HTTP still answers: the worker process drains and exits (in an
   * API process of several, the primary stops it once they all have stopped).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.host.stop();
  }
}

/**
 * Puts `crm serve`'s worker process host into the API application: its state for /health and /metrics
 * (WORKER_PART), and its drain into the application's shutdown (with several API processes, ApiClusterModule
 * beside it gives this one's place among them).
 */
@Global()
@Module({})
export class WorkerHostModule {
  static forRoot(host: HostedWorkerPart): DynamicModule {
    return {
      module: WorkerHostModule,
      providers: [{ provide: WORKER_PART, useValue: host }, WorkerPartDrain],
      exports: [WORKER_PART],
    };
  }
}
