import { AppConfig } from '@crm/config';
import { SEALED_EVENT_STORE } from '@crm/event-store';
import { EventStore, RecordedEvent } from '@crm/event-store';
import { BUS, Bus, encodeCustomerEvent } from '@crm/messaging';
import { READ_MODEL_DATA_SOURCE, RelayLease } from '@crm/read-model';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Relay } from './relay.service';

export const RELAY_LEASE_NAME = 'relay';

/** Runs the relay for the worker's lifetime; on shutdown it finishes its batch and hands the lease over. */
@Injectable()
export class RelayRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Relay');
  readonly relay: Relay;

  constructor(
    // Sealed: personal data reaches the bus (and Kafka's log) encrypted only, so erasing a key erases it there too.
    @Inject(SEALED_EVENT_STORE) store: EventStore,
    @Inject(BUS) bus: Bus,
    @Inject(READ_MODEL_DATA_SOURCE) db: DataSource,
    config: AppConfig,
  ) {
    const lease = new RelayLease(db, RELAY_LEASE_NAME, config.workerId, config.RELAY_LEASE_TTL_MS);
    const publisher = {
      window: bus.publishWindow,
      windowEvents: bus.publishWindowRecords,
      // Header x-relay-id tells which relay published a record (tests check one publisher at a time).
      publish: (events: readonly RecordedEvent[]) =>
        bus.publish(events.map((e) => encodeCustomerEvent(e, { 'x-relay-id': config.workerId }))),
    };
    this.relay = new Relay(store, publisher, lease, {
      batchSize: config.RELAY_BATCH_SIZE,
      lingerMs: config.RELAY_LINGER_MS,
      heartbeatMs: config.RELAY_HEARTBEAT_MS,
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    this.logger.log(`Relay ${this.relay.status().owner} started (standby until it holds the lease)`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
