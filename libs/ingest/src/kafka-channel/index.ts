// The Kafka ingest channel: README "Publish through Kafka" describes the topics and the message formats.
export { KafkaIngestModule } from './kafka-ingest.module';
export { KafkaIngestChannel } from './kafka-ingest.channel';
export type { KafkaIngestSettings } from './kafka-ingest.settings';
export { INGEST_HEADERS, type IngestMessage, type RejectionReason } from './ingest-message';
export { REJECTION_CODE_HEADER, type RejectionRecord } from './rejection.record';
