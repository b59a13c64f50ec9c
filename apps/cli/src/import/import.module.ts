import { AppConfig, ConfigModule } from '@crm/config';
import { EventStoreModule } from '@crm/event-store';
import { IngestModule } from '@crm/ingest';
import { DynamicModule, Module } from '@nestjs/common';

/**
 * What `crm import` needs: the event store and the write path (validation, stream state, decider, append
 * with expected revision), without HTTP, read model or analytics store.
 */
@Module({})
export class ImportModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ImportModule,
      imports: [ConfigModule.forRoot(config), EventStoreModule.forRoot(), IngestModule],
    };
  }
}
