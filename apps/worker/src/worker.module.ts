import { Module } from '@nestjs/common';
import { ReadModelConsumer } from './projections/read-model.consumer';
import { RelayRunner } from './relay/relay.runner';

/**
 * Relay and projectors. Adapters (event store, bus, read model) come from the global modules of the root
 * module, so the same WorkerModule runs alone (apps/worker) or beside the API (`crm serve`).
 */
@Module({
  providers: [ReadModelConsumer, RelayRunner],
  exports: [ReadModelConsumer, RelayRunner],
})
export class WorkerModule {}
