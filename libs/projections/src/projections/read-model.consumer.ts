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
import { DeliveryCoalescer } from './delivery.coalescer';

export const READ_MODEL_GROUP = 'crm.read-model';

/**
 * Most events per read-model transaction when deliveries of several partitions are written together: enough to
 * spread the transaction's fixed cost thin, short enough that the API's appends (another process, same SQLite
 * file) do not wait long for the write lock.
 */
export const READ_MODEL_MAX_EVENTS_PER_WRITE = 2_000;

/** One partition's delivery, decoded and opened. */
interface Delivery {
  readonly messages: readonly BusMessage[];
  readonly events: readonly RecordedEvent[];
  readonly size: number;
}

/**
 * The read-model projector's consumer group. A batch is applied in one transaction together with its
 * checkpoint and offsets, then acknowledged; a redelivered event is skipped by stream revision. Deliveries of
 * several partitions that arrive while a transaction runs share the next one (DeliveryCoalescer): at a few
 * events per partition and publish, the per-transaction statements would otherwise cost more than the events.
 * Started in onModuleInit, before the relay (onApplicationBootstrap), so the in-process bus knows the group
 * before anything is published.
 */
@Injectable()
export class ReadModelConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ReadModelProjector');
  private consumer?: BusConsumer;
  private readonly opener?: PersonalDataOpener;
  private readonly writes = new DeliveryCoalescer<Delivery>(
    (deliveries) => this.applyTogether(deliveries),
    (delivery) => this.applyAlone(delivery),
    READ_MODEL_MAX_EVENTS_PER_WRITE,
  );

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
    await this.writes.submit({ messages, events, size: events.length });
  }

  /** Several partitions' deliveries in one transaction, each partition's offset stored with them. */
  private async applyTogether(deliveries: readonly Delivery[]): Promise<void> {
    await this.projector.apply(
      deliveries.flatMap((d) => d.events),
      { projection: CUSTOMER_READ_MODEL_PROJECTION, offsets: deliveries.map((d) => this.offsetAfter(d)) },
    );
  }

  private async applyAlone(delivery: Delivery): Promise<void> {
    const { messages, events } = delivery;
    try {
      await this.projector.apply(events, {
        projection: CUSTOMER_READ_MODEL_PROJECTION,
        offsets: [this.offsetAfter(delivery)],
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

  private offsetAfter({ messages, events }: Delivery) {
    return {
      topic: this.bus.topic,
      partition: messages[0].partition,
      offset: (BigInt(messages[messages.length - 1].offset) + 1n).toString(),
      // A partition carries its events in global order: the last one is the highest handled there.
      ...(events.length > 0 ? { position: events[events.length - 1].globalPosition } : {}),
    };
  }
}

/**
 * Opened events by the decoded event. On the in-process bus every group decodes the same message to the same
 * object (decodeCustomerEvent), so the key lookup and AES-GCM run once per event, not once per group. One key
 * store per process (EventStoreModule's) opens everything, so whichever group opens first opens for all.
 */
const opened = new WeakMap<RecordedEvent, Promise<RecordedEvent>>();

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
  let opening = opened.get(event);
  if (!opening) {
    opening = opener.open(event);
    opened.set(event, opening);
    // A failure is not kept: a redelivery (after a key store outage, say) opens again.
    opening.catch(() => opened.delete(event));
  }
  try {
    return await opening;
  } catch (error) {
    if (error instanceof SealedPersonalDataError) throw new PoisonMessageError(message, error.message);
    throw error;
  }
}
