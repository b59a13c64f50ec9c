import { AppConfig } from '@crm/config';
import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ErasePersonalDataHandler } from './commands/erase-personal-data.command';
import { PublishCustomerEventsHandler } from './commands/publish-customer-events.command';
import { EventIngestor, INGEST_SETTINGS, type IngestSettings } from './event-ingestor';

/**
 * Provides the EventIngestor, and its commands on the CommandBus (PublishCustomerEventsCommand,
 * ErasePersonalDataCommand) for Nest entrances. Needs the event store (EVENT_STORE, from EventStoreModule) and AppConfig
 * (from ConfigModule) in the application.
 */
@Module({
  imports: [CqrsModule.forRoot()],
  providers: [
    {
      provide: INGEST_SETTINGS,
      inject: [AppConfig],
      useFactory: (config: AppConfig): IngestSettings => ({
        maxBatchEvents: config.MAX_BATCH_EVENTS,
        stateCacheSize: config.INGEST_STATE_CACHE_SIZE,
        consentPolicy: config.consentPolicy,
      }),
    },
    EventIngestor,
    PublishCustomerEventsHandler,
    ErasePersonalDataHandler,
  ],
  exports: [EventIngestor],
})
export class IngestModule {}
