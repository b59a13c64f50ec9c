import { AppConfig } from '@crm/config';
import { Module } from '@nestjs/common';
import { EventIngestor, INGEST_SETTINGS, type IngestSettings } from './event-ingestor';

/**
 * Provides the EventIngestor. Needs the event store (EVENT_STORE, from EventStoreModule) and AppConfig
 * (from ConfigModule) in the application.
 */
@Module({
  providers: [
    {
      provide: INGEST_SETTINGS,
      inject: [AppConfig],
      useFactory: (config: AppConfig): IngestSettings => ({
        maxBatchEvents: config.MAX_BATCH_EVENTS,
        stateCacheSize: config.INGEST_STATE_CACHE_SIZE,
      }),
    },
    EventIngestor,
  ],
  exports: [EventIngestor],
})
export class IngestModule {}
