import type { RecordedEvent } from '../event-store.port';
import { InvalidUpcasterChainError, UnknownSchemaVersionError } from './upcasting.errors';

export type EventData = Readonly<Record<string, unknown>>;

/** One step of one event type's schema: data of version `fromVersion` in, data of `fromVersion + 1` out. */
export interface Upcaster {
  readonly eventType: string;
  readonly fromVersion: number;
  /** Always `fromVersion + 1`: one step per upcaster keeps each one small and testable on its own. */
  readonly toVersion: number;
  /**
   * Pure; must not mutate `data`. `event` is the event as recorded (original data and version), for
   * context such as its id in error messages.
   */
  upcast(data: EventData, event: RecordedEvent): EventData;
}

/** Current schema version per event type, e.g. `{ CustomerPurchased: 2 }`. */
export type SchemaVersions = Readonly<Record<string, number>>;

/**
 * What metadata says; absent means 1 (events written before versions were recorded). Only absent: an
 * explicit null or "2" is something a writer got wrong, and is reported rather than guessed at.
 */
export const schemaVersionOf = (event: Pick<RecordedEvent, 'metadata'>): unknown =>
  event.metadata?.schemaVersion === undefined ? 1 : event.metadata.schemaVersion;

const isVersion = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;

/**
 * Turns any readable version of an event into the current one, on read. Validated at construction, so a
 * missing or duplicated step fails at boot, not in the middle of a replay.
 *
 * Types absent from `currentVersions` pass through untouched whatever their version: they belong to other
 * streams or to newer publishers, and readers already skip types they do not know.
 */
export class UpcasterChain {
  /** type → (fromVersion → upcaster). */
  private readonly steps = new Map<string, Map<number, Upcaster>>();
  private readonly currentVersions: ReadonlyMap<string, number>;

  constructor(currentVersions: SchemaVersions, upcasters: readonly Upcaster[]) {
    this.currentVersions = new Map(Object.entries(currentVersions));
    const problems: string[] = [];
    for (const [type, current] of this.currentVersions) {
      if (!isVersion(current)) problems.push(`${type}: current version ${current} is not an integer ≥ 1`);
    }
    for (const upcaster of upcasters) {
      const { eventType: type, fromVersion: from, toVersion: to } = upcaster;
      const current = this.currentVersions.get(type);
      if (current === undefined) {
        problems.push(`${type} v${from}: upcaster for a type without a current version`);
      } else if (!isVersion(from) || to !== from + 1) {
        problems.push(`${type}: upcaster ${from} → ${to} must go from an integer ≥ 1 to the next version`);
      } else if (to > current) {
        problems.push(`${type}: upcaster ${from} → ${to} goes beyond the current version ${current}`);
      } else {
        const byVersion = this.steps.get(type) ?? new Map<number, Upcaster>();
        if (byVersion.has(from)) problems.push(`${type}: two upcasters from version ${from}`);
        byVersion.set(from, upcaster);
        this.steps.set(type, byVersion);
      }
    }
    for (const [type, current] of this.currentVersions) {
      if (!isVersion(current)) continue;
      for (let from = 1; from < current; from++) {
        if (!this.steps.get(type)?.has(from)) {
          problems.push(`${type}: no upcaster from version ${from} to ${from + 1} (current is ${current})`);
        }
      }
    }
    if (problems.length > 0) throw new InvalidUpcasterChainError(problems);
  }

  /** The version writers must stamp on new events of this type; undefined for types the chain does not know. */
  currentVersionOf(eventType: string): number | undefined {
    return this.currentVersions.get(eventType);
  }

  /**
   * The event in its type's current version. Already current: the same object (or one with the implicit
   * version 1 made explicit). Upcast: new data, `metadata.schemaVersion` = current and
   * `metadata.upcastFrom` = the recorded version. Newer or malformed version: UnknownSchemaVersionError.
   */
  upcast(event: RecordedEvent): RecordedEvent {
    const current = this.currentVersions.get(event.type);
    if (current === undefined) return event;
    const recorded = schemaVersionOf(event);
    if (!isVersion(recorded) || recorded > current) {
      throw new UnknownSchemaVersionError(event.type, recorded, current, event.eventId, event.streamId);
    }
    if (recorded === current) {
      return event.metadata?.schemaVersion === current
        ? event
        : { ...event, metadata: { ...event.metadata, schemaVersion: current } };
    }
    const steps = this.steps.get(event.type) as Map<number, Upcaster>; // complete: checked at construction
    let data = event.data;
    for (let from = recorded; from < current; from++) {
      data = (steps.get(from) as Upcaster).upcast(data, event);
    }
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: current, upcastFrom: recorded } };
  }

  upcastAll(events: readonly RecordedEvent[]): RecordedEvent[] {
    return events.map((event) => this.upcast(event));
  }
}
