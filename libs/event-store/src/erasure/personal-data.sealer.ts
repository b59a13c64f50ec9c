import { customerIdFromStream, PERSONAL_PROFILE_FIELDS } from '@crm/domain';
import type { EventToAppend, StreamAppend } from '../event-store.port';
import type { KeyStore } from './key-store.port';
import { encryptPersonalData } from './personal-data.cipher';
import { SEALED_FIELD } from './personal-data.opener';

const PERSONAL: readonly string[] = PERSONAL_PROFILE_FIELDS;

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** An event's profile split into the fields to seal and the rest; undefined when there is nothing to seal. */
interface ProfileSplit {
  readonly personal: Readonly<Record<string, unknown>>;
  readonly rest: Readonly<Record<string, unknown>>;
}

function splitProfile(event: EventToAppend): ProfileSplit | undefined {
  const profile = event.data.profile;
  if (!isRecord(profile)) return undefined;
  const entries = Object.entries(profile);
  const personal = entries.filter(([field]) => PERSONAL.includes(field));
  if (personal.length === 0) return undefined;
  return {
    personal: Object.fromEntries(personal),
    rest: Object.fromEntries(entries.filter(([field]) => !PERSONAL.includes(field))),
  };
}

/**
 * Seals the personal profile fields of every event of the appends (see CryptoShreddingEventStore). The keys
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
        data: {
          ...event.data,
          profile: split.rest,
          [SEALED_FIELD]: encryptPersonalData(split.personal, key, event.eventId),
        },
      };
    });
    return { ...append, events };
  });
}
