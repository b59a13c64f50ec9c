import { personalDataFieldsOf } from '@crm/domain';
import type { RecordedEvent } from '../event-store.port';
import type { KeyStore } from './key-store.port';
import { decryptPersonalData, ERASED, isEncryptedPersonalData } from './personal-data.cipher';

/** Where an event's `data` carries the sealed personal fields instead of `profile.<field>` (or `<field>`). */
export const SEALED_FIELD = 'sealedPersonalData';

type Data = Readonly<Record<string, unknown>>;
const isRecord = (value: unknown): value is Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Sealed personal data that does not authenticate (tampered, or moved from another event): permanent. */
export class SealedPersonalDataError extends Error {
  readonly code = 'SEALED_PERSONAL_DATA_INVALID';

  constructor(
    readonly eventId: string,
    reason: string,
  ) {
    super(`The sealed personal data of event ${eventId} cannot be opened: ${reason}`);
    this.name = 'SealedPersonalDataError';
  }
}

/**
 * Puts an event's sealed personal fields back (into `data.profile`, or `data` for the types whose
 * PERSONAL_DATA_FIELDS say so), or leaves them out when the customer's key
 * was destroyed (erased). Events without sealed fields are returned as they are. Used by the event store
 * decorator and by the bus consumers, since the relay publishes events sealed.
 */
export class PersonalDataOpener {
  constructor(private readonly keys: KeyStore) {}

  async open(event: RecordedEvent): Promise<RecordedEvent> {
    const sealed = event.data[SEALED_FIELD];
    if (!isEncryptedPersonalData(sealed)) return event;
    const { [SEALED_FIELD]: _sealed, ...data } = event.data;
    const key = await this.keys.find(sealed.keyId);
    let fields;
    try {
      fields = decryptPersonalData(sealed, key, event.eventId);
    } catch (error) {
      throw new SealedPersonalDataError(event.eventId, (error as Error).message);
    }
    if (fields === ERASED) return { ...event, data };
    if (personalDataFieldsOf(event.type).within === 'data') return { ...event, data: { ...data, ...fields } };
    const profile = isRecord(data.profile) ? data.profile : {};
    return { ...event, data: { ...data, profile: { ...profile, ...fields } } };
  }

  async openAll(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    const opened: RecordedEvent[] = [];
    for (const event of events) opened.push(await this.open(event));
    return opened;
  }
}
