import { KafkaIngestModule } from '@crm/ingest';
import { Module } from '@nestjs/common';
import { AnalyticsConsumer } from './projections/analytics.consumer';
import { ReadModelConsumer } from './projections/read-model.consumer';
import { RelayRunner } from './relay/relay.runner';
import { CustomerScoresSchedulerModule } from './scores/customer-scores.module';

/**
 * Relay and projectors. Adapters (event store, bus, read model, analytics) come from the global modules of
 * the root module, so the same WorkerModule runs alone (apps/worker) or beside the API (`crm serve`).
 */
@Module({
  // The Kafka ingest channel runs beside the relay when KAFKA_BROKERS is set.
  imports: [KafkaIngestModule, CustomerScoresSchedulerModule],
  providers: [ReadModelConsumer, AnalyticsConsumer, RelayRunner],
  exports: [ReadModelConsumer, AnalyticsConsumer, RelayRunner],
})
export class WorkerModule {}
