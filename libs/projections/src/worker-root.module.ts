import { AnalyticsModule } from '@crm/analytics';
import { AppConfig, ConfigModule } from '@crm/config';
import { EventStoreModule } from '@crm/event-store';
import { MessagingModule } from '@crm/messaging';
import { ReadModelModule } from '@crm/read-model';
import { DynamicModule, Module } from '@nestjs/common';
import { WorkerModule } from './worker.module';

/** The worker process: relay and projectors with their adapters, no HTTP. */
@Module({})
export class WorkerRootModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerRootModule,
      imports: [
        ConfigModule.forRoot(config),
        EventStoreModule.forRoot(),
        ReadModelModule.forRoot(),
        AnalyticsModule.forRoot(),
        MessagingModule.forRoot(),
        WorkerModule,
      ],
    };
  }
}
