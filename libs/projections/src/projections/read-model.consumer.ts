import {
  BUS,
  Bus,
  BusConsumer,
  BusMessage,
  decodeCustomerEvent,
  PoisonMessageError,
  UndecodableMessageError,
} from '@crm/messaging';
import {
  CUSTOMER_READ_MODEL_PROJECTION,
  CustomerReadModelProjector,
  MalformedEventError,
} from '@crm/read-model';
import { KEY_STORE, type KeyStore } from '@crm/event-store';
import { PersonalDataOpener, SealedPersonalDataError } from '@crm/event-store';
import { RecordedEvent } from '@crm/event-store';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';

export const READ_MODEL_GROUP = 'crm.read-model';

/**
 * The read-model projector's consumer group. A batch is applied in one transaction together with its
 * checkpoint and offsets, then acknowledged; a redelivered event is skipped by stream revision.
 * Started in onModuleInit, before the relay (onApplicationBootstrap), so the in-process bus knows the group
 * before anything is published.
 */
@Injectable()
export class ReadModelConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ReadModelProjector');
  private consumer?: BusConsumer;
  private readonly opener?: PersonalDataOpener;

  /** keys: to open the personal data the relay publishes sealed (always provided by EventStoreModule). */
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly projector: CustomerReadModelProjector,
    @Optional() @Inject(KEY_STORE) keys?: KeyStore,
  ) {
    this.opener = keys && new PersonalDataOpener(keys);
  }

  async onModuleInit(): Promise<void> {
    this.consumer = await this.bus.consume({
      group: READ_MODEL_GROUP,
      handler: (messages) => this.handle(messages),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  lag() {
    return this.consumer?.lag();
  }

  private async handle(messages: readonly BusMessage[]): Promise<void> {
    const events: RecordedEvent[] = [];
    for (const message of messages) {
      try {
        events.push(await openOrPoison(this.opener, message, decodeCustomerEvent(message)));
      } catch (error) {
        if (error instanceof UndecodableMessageError) throw new PoisonMessageError(message, error.message);
        throw error;
      }
    }
    try {
      await this.projector.apply(events, {
        projection: CUSTOMER_READ_MODEL_PROJECTION,
        offsets: [
          {
            topic: this.bus.topic,
            partition: messages[0].partition,
            offset: (BigInt(messages[messages.length - 1].offset) + 1n).toString(),
            // A partition carries its events in global order: the last one is the highest handled there.
            ...(events.length > 0 ? { position: events[events.length - 1].globalPosition } : {}),
          },
        ],
      });
    } catch (error) {
      if (error instanceof MalformedEventError) {
        const index = events.findIndex((e) => e.eventId === error.eventId);
        if (index >= 0) throw new PoisonMessageError(messages[index], error.message);
      }
      this.logger.warn(`Batch of ${messages.length} not applied (will retry): ${(error as Error).message}`);
      throw error;
    }
  }
}

/**
 * Opens an event's sealed personal data. A ciphertext that fails authentication (tampered, or sealed for
 * another event) is a poison message: redelivering it cannot help.
 */
export async function openOrPoison(
  opener: PersonalDataOpener | undefined,
  message: BusMessage,
  event: RecordedEvent,
): Promise<RecordedEvent> {
  if (!opener) return event;
  try {
    return await opener.open(event);
  } catch (error) {
    if (error instanceof SealedPersonalDataError) throw new PoisonMessageError(message, error.message);
    throw error;
  }
}
