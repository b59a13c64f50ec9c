import type { RecordedEvent } from '@crm/event-store';
import type { BusMessage } from './bus.port';
import { decodeCustomerEvent, encodeCustomerEvent, UndecodableMessageError } from './customer-event.codec';

const event: RecordedEvent = {
  eventId: 'e-1',
  type: 'CustomerContacted',
  streamId: 'customer-c-1',
  streamRevision: 1,
  globalPosition: 7n,
  occurredAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:01.000Z',
  data: { channel: 'email' },
  metadata: { schemaVersion: 1 },
};

const messageOf = (value: string): BusMessage => ({
  key: 'c-1',
  value: Buffer.from(value),
  headers: {},
  partition: 0,
  offset: '0',
});

describe('customer event codec', () => {
  it('round-trips an event through a bus record', () => {
    const record = encodeCustomerEvent(event);
    expect(decodeCustomerEvent(messageOf(String(record.value)))).toEqual(event);
  });

  it('decodes a message once: every in-process group gets the same event for the same message', () => {
    const message = messageOf(String(encodeCustomerEvent(event).value));
    const first = decodeCustomerEvent(message);
    expect(decodeCustomerEvent(message)).toBe(first);
    // Another message with the same bytes is decoded on its own (Kafka hands each group its own).
    expect(decodeCustomerEvent(messageOf(String(encodeCustomerEvent(event).value)))).not.toBe(first);
  });

  it('refuses an undecodable message every time it is asked', () => {
    const message = messageOf('{not json');
    expect(() => decodeCustomerEvent(message)).toThrow(UndecodableMessageError);
    expect(() => decodeCustomerEvent(message)).toThrow(UndecodableMessageError);
  });
});
