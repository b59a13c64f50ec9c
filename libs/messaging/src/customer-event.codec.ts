import { customerIdFromStream } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import type { BusMessage, BusRecord } from './bus.port';

/** The JSON value of a lifecycle record on the bus (documented contract for every consumer). */
export interface CustomerEventRecord {
  readonly eventId: string;
  readonly type: string;
  readonly customerId: string;
  readonly streamId: string;
  readonly streamRevision: number;
  /** Decimal string: EventStoreDB positions exceed 2^53. */
  readonly globalPosition: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export function toCustomerEventRecord(event: RecordedEvent): CustomerEventRecord {
  return {
    eventId: event.eventId,
    type: event.type,
    customerId: customerIdFromStream(event.streamId),
    streamId: event.streamId,
    streamRevision: event.streamRevision,
    globalPosition: event.globalPosition.toString(),
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
  };
}

/** Key = customer id, so a customer's events stay in order on one partition. */
export function encodeCustomerEvent(event: RecordedEvent, headers: Record<string, string> = {}): BusRecord {
  const record = toCustomerEventRecord(event);
  return {
    key: record.customerId,
    value: JSON.stringify(record),
    headers: { 'x-event-type': record.type, 'x-event-id': record.eventId, ...headers },
  };
}

export class UndecodableMessageError extends Error {
  constructor(reason: string) {
    super(`Undecodable lifecycle record: ${reason}`);
    this.name = 'UndecodableMessageError';
  }
}

/**
 * Decoded events by message. The in-process bus hands the same message object to every group, so the second
 * group's decode is a lookup; Kafka's messages are distinct objects and never hit it. Held weakly: gone with
 * the message once every group is done with it. Callers treat the event as immutable, as they already must.
 */
const decoded = new WeakMap<BusMessage, RecordedEvent>();

/** Back to the store's shape, so projectors take bus messages and store reads alike. */
export function decodeCustomerEvent(message: BusMessage): RecordedEvent {
  let event = decoded.get(message);
  if (!event) decoded.set(message, (event = decodeRecord(message)));
  return event;
}

function decodeRecord(message: BusMessage): RecordedEvent {
  let record: Partial<CustomerEventRecord>;
  try {
    record = JSON.parse(message.value.toString('utf8')) as Partial<CustomerEventRecord>;
  } catch (error) {
    throw new UndecodableMessageError((error as Error).message);
  }
  const { eventId, type, streamId, streamRevision, globalPosition, occurredAt, recordedAt, data, metadata } =
    record;
  if (
    typeof eventId !== 'string' ||
    typeof type !== 'string' ||
    typeof streamId !== 'string' ||
    typeof streamRevision !== 'number' ||
    typeof globalPosition !== 'string' ||
    !/^\d+$/.test(globalPosition) ||
    typeof occurredAt !== 'string' ||
    typeof recordedAt !== 'string' ||
    typeof data !== 'object' ||
    data === null
  ) {
    throw new UndecodableMessageError('missing or mistyped fields');
  }
  return {
    eventId,
    type,
    streamId,
    streamRevision,
    globalPosition: BigInt(globalPosition),
    occurredAt,
    recordedAt,
    data,
    metadata: (metadata ?? { schemaVersion: 1 }) as RecordedEvent['metadata'],
  };
}
