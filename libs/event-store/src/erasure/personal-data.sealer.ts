import { customerIdFromStream, personalDataFieldsOf } from '@crm/domain';
import type { EventToAppend, StreamAppend } from '../event-store.port';
import type { KeyStore } from './key-store.port';
import { encryptPersonalData } from './personal-data.cipher';
import { SEALED_FIELD } from './personal-data.opener';

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * An event's personal fields (domain's PERSONAL_DATA_FIELDS: in `data.profile`, or in `data` itself) split
 * from the rest, and its `data` without them; undefined when there is nothing to seal.
 */
interface ProfileSplit {
  readonly personal: Readonly<Record<string, unknown>>;
  readonly data: Readonly<Record<string, unknown>>;
}

function splitProfile(event: EventToAppend): ProfileSplit | undefined {
  const { within, fields } = personalDataFieldsOf(event.type);
  const container = within === 'profile' ? event.data.profile : event.data;
  if (!isRecord(container)) return undefined;
  const entries = Object.entries(container);
  const personal = entries.filter(([field]) => fields.includes(field));
  if (personal.length === 0) return undefined;
  const rest = Object.fromEntries(entries.filter(([field]) => !fields.includes(field)));
  return {
    personal: Object.fromEntries(personal),
    data: within === 'profile' ? { ...event.data, profile: rest } : rest,
  };
}

/**
 * Seals the personal fields of every event of the appends (see CryptoShreddingEventStore). The keys
 * of all the subjects concerned come from one keysFor call, so a bulk append of thousands of new customers
 * creates their keys in one key-store transaction (one fsync) instead of one each. Only subjects with
 * personal data to seal are asked for a key: events without any pass through untouched, and so do appends
 * for a subject whose key was destroyed, unless they carry personal data (DataKeyDestroyedError, before
 * anything is appended).
 */
export async function sealAppends(keys: KeyStore, appends: readonly StreamAppend[]): Promise<StreamAppend[]> {
  const splits = appends.map((append) => append.events.map(splitProfile));
  const subjects = new Set<string>();
  appends.forEach((append, i) => {
    if (splits[i].some(Boolean)) subjects.add(customerIdFromStream(append.streamId));
  });
  if (subjects.size === 0) return [...appends];
  const keyOf = await keys.keysFor([...subjects]);
  return appends.map((append, i) => {
    if (!splits[i].some(Boolean)) return append;
    const subject = customerIdFromStream(append.streamId);
    const key = keyOf.get(subject);
    if (!key) throw new Error(`The key store returned no key for ${subject}`);
    const events = append.events.map((event, j): EventToAppend => {
      const split = splits[i][j];
      if (!split) return event;
      return {
        ...event,
        data: { ...split.data, [SEALED_FIELD]: encryptPersonalData(split.personal, key, event.eventId) },
      };
    });
    return { ...append, events };
  });
}
