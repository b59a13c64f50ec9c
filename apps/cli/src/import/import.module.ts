import { AppConfig, ConfigModule } from '@crm/config';
import { EventStoreModule } from '@crm/event-store';
import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CustomerStreamRepository } from '@crm/http-api';
import { PublishEventsHandler } from '@crm/http-api';

/**
 * What `crm import` needs: the event store and the API's own publish command handler (stream loading,
 * decider, append with expected revision), without HTTP, read model or analytics store.
 */
@Module({})
export class ImportModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ImportModule,
      imports: [ConfigModule.forRoot(config), EventStoreModule.forRoot(), CqrsModule.forRoot()],
      providers: [CustomerStreamRepository, PublishEventsHandler],
    };
  }
}
