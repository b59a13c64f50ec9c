// The one write path for customer events: libs/ingest/README.md describes this API.
export * from './ingest.module';
export * from './event-ingestor';
export * from './commands/publish-customer-events.command';
export * from './commands/erase-personal-data.command';
export * from './validation/ingest-problem';
export {
  validatePublishBody,
  validatePublishedEvent,
  type ValidationOptions,
  type ValidationOutcome,
  type ValidPublishedEvent,
} from './validation/published-event.validator';
export * from './publish/publish.outcome';
export type { ErasureOutcome, ErasureRequest } from './publish/personal-data.eraser';
export { MAX_CLOCK_SKEW_MS } from './publish/occurred-at.rule';
export { toEventToAppend, type PublisherMetadata } from './metadata/event-metadata.rules';
export { DeciderStateCache } from './streams/decider-state.cache';
export { CustomerStreamRepository, type CustomerStreamState } from './streams/customer-stream.repository';
// The publish contract: class-validator DTOs, also the OpenAPI source.
export * from './contract/published-event.dto';
export * from './contract/event-data.dto';
export * from './contract/money.dto';
export * from './contract/customer-facts.dto';
export * from './contract/marketing-spend.dto';
export * from './contract/marketing-spend.validator';
export type { MarketingSpendOutcome, MarketingSpendResult } from './publish/marketing-spend.publisher';
export * from './kafka-channel';
