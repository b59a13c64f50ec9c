import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest.module';
import { KafkaIngestRunner } from './kafka-ingest.runner';

/**
 * The Kafka ingest channel as a Nest module: the worker registers it; it does nothing unless KAFKA_BROKERS is
 * set. Needs the event store (EventStoreModule) and AppConfig (ConfigModule) in the application.
 */
@Module({ imports: [IngestModule], providers: [KafkaIngestRunner] })
export class KafkaIngestModule {}
