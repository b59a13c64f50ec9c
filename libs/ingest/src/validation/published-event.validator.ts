import {
  lineItemCurrencyMismatches,
  PUBLISHABLE_EVENT_TYPES,
  type CustomerPurchasedData,
  type PublishableEventType,
} from '@crm/domain';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { EVENT_DTO_BY_TYPE, PublishedEventDto } from '../contract/published-event.dto';
import { occurredAtTooFarAhead } from '../publish/occurred-at.rule';
import { toUtcIso } from '../metadata/utc-instant';
import { compileContractCheck } from './compiled-contract.check';
import type { IngestProblem } from './ingest-problem';

type ProblemError = IngestProblem;

const CONTRACT_CHECKS = Object.fromEntries(
  Object.entries(EVENT_DTO_BY_TYPE).map(([type, dto]) => [type, compileContractCheck(dto)]),
) as Record<PublishableEventType, (raw: Record<string, unknown>) => boolean>;

/** A published event that passed schema validation, normalised (UTC time, generated id). */
export interface ValidPublishedEvent {
  readonly index: number;
  readonly eventId: string;
  readonly eventIdGenerated: boolean;
  readonly type: PublishableEventType;
  readonly customerId: string;
  readonly occurredAt: string;
  readonly expectedRevision?: number;
  readonly metadata: { source?: string; correlationId?: string; causationId?: string };
  readonly data: Record<string, unknown>;
}

/**
 * Valid events, or every problem found (`tooMany`: a batch over `maxEvents`, with its size; nothing else
 * was checked then).
 */
export type ValidationOutcome =
  { ok: true; events: ValidPublishedEvent[] } | { ok: false; errors: IngestProblem[]; tooMany?: number };

export interface ValidationOptions {
  /** Most events a batch may hold. */
  readonly maxEvents: number;
  /** Refuse events without an eventId (MISSING_FIELD at `eventId`): channels that cannot answer with one. */
  readonly requireEventId?: boolean;
  /** The clock the future bound on occurredAt is measured against (milliseconds since the epoch). */
  readonly now?: number;
}

/**
 * Validates a body that is one event or `{"events": [...]}`. The whole batch is checked and every
 * failing event is listed, so a publisher can fix them all in one round.
 */
export function validatePublishBody(body: unknown, options: ValidationOptions): ValidationOutcome {
  const { maxEvents } = options;
  const now = options.now ?? Date.now();
  const requireEventId = options.requireEventId ?? false;
  const isBatch = isPlainObject(body) && 'events' in body;
  if (isBatch) {
    const events = (body as { events: unknown }).events;
    const extra = Object.keys(body as object).filter((k) => k !== 'events');
    if (!Array.isArray(events)) {
      return {
        ok: false,
        errors: [{ path: '$.events', code: 'INVALID_FIELD', message: 'events must be an array' }],
      };
    }
    if (events.length === 0) {
      return {
        ok: false,
        errors: [{ path: '$.events', code: 'INVALID_FIELD', message: 'events must not be empty' }],
      };
    }
    if (events.length > maxEvents) return { ok: false, errors: [], tooMany: events.length };
    const errors: ProblemError[] = extra.map((k) => ({
      path: `$.${k}`,
      code: 'UNKNOWN_FIELD',
      message: `property ${k} is not allowed beside events`,
    }));
    const valid: ValidPublishedEvent[] = [];
    const seenIds = new Map<string, number>();
    events.forEach((raw, index) => {
      const outcome = validateOne(raw, index, `$.events[${index}]`, now, requireEventId);
      if (!outcome.ok) return errors.push(...outcome.errors);
      const first = seenIds.get(outcome.event.eventId);
      if (first !== undefined) {
        return errors.push({
          index,
          eventId: outcome.event.eventId,
          path: `$.events[${index}].eventId`,
          code: 'DUPLICATE_EVENT_ID',
          message: `eventId repeats the one of events[${first}]`,
        });
      }
      seenIds.set(outcome.event.eventId, index);
      valid.push(outcome.event);
    });
    return errors.length > 0 ? { ok: false, errors } : { ok: true, events: valid };
  }
  return validatePublishedEvent(body, options);
}

/**
 * Validates one event, whatever its keys (a message of a channel that carries one event each). `index` is
 * the valid event's position in the batch the caller will publish (results refer to it); its problems'
 * paths start at `$` and carry no index.
 */
export function validatePublishedEvent(
  raw: unknown,
  options: Omit<ValidationOptions, 'maxEvents'> & { readonly index?: number },
): ValidationOutcome {
  const outcome = validateOne(
    raw,
    options.index ?? 0,
    '$',
    options.now ?? Date.now(),
    options.requireEventId ?? false,
  );
  return outcome.ok ? { ok: true, events: [outcome.event] } : { ok: false, errors: outcome.errors };
}

function validateOne(
  raw: unknown,
  index: number,
  root: string,
  now: number,
  requireEventId: boolean,
): { ok: true; event: ValidPublishedEvent } | { ok: false; errors: ProblemError[] } {
  const at = root === '$' ? {} : { index };
  if (!isPlainObject(raw)) {
    return {
      ok: false,
      errors: [{ ...at, path: root, code: 'INVALID_EVENT', message: 'an event must be a JSON object' }],
    };
  }
  const type = raw.type;
  const customerId = typeof raw.customerId === 'string' ? { customerId: raw.customerId } : {};
  if (typeof type !== 'string' || !(PUBLISHABLE_EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      errors: [
        {
          ...at,
          ...customerId,
          path: `${root}.type`,
          code: type === undefined ? 'MISSING_FIELD' : 'UNKNOWN_EVENT_TYPE',
          message: `type must be one of ${PUBLISHABLE_EVENT_TYPES.join(', ')}`,
        },
      ],
    };
  }
  const unsafe = findUnsafeKeyOrText(raw, root);
  if (unsafe) {
    return {
      ok: false,
      errors: [
        unsafe.key
          ? {
              ...at,
              ...customerId,
              path: unsafe.path,
              code: 'UNKNOWN_FIELD',
              message: 'property is not allowed',
            }
          : {
              ...at,
              ...customerId,
              path: unsafe.path,
              code: 'INVALID_FIELD',
              message: 'text must be well-formed Unicode without NUL characters',
            },
      ],
    };
  }
  // The common case, a valid event, costs a walk of the compiled contract; anything else goes through
  // class-transformer and class-validator, which name every error exactly.
  const certainlyValid = CONTRACT_CHECKS[type as PublishableEventType](raw);
  const dto = (
    certainlyValid ? raw : plainToInstance(EVENT_DTO_BY_TYPE[type as PublishableEventType], raw)
  ) as PublishedEventDto;
  const problems = certainlyValid
    ? []
    : validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  const errors = problems.flatMap((e) => flatten(e, root)).map((e) => ({ ...at, ...customerId, ...e }));
  if (errors.length === 0) {
    if (requireEventId && dto.eventId === undefined) {
      errors.push({
        ...at,
        ...customerId,
        path: `${root}.eventId`,
        code: 'MISSING_FIELD',
        message: 'eventId is required on this channel (the idempotency key)',
      });
    }
    const tooFarAhead = occurredAtTooFarAhead(dto.occurredAt, now);
    if (tooFarAhead) errors.push({ ...at, ...customerId, path: `${root}.occurredAt`, ...tooFarAhead });
    if (dto.type === 'CustomerPurchased') {
      for (const mismatch of lineItemCurrencyMismatches(dto.data as unknown as CustomerPurchasedData)) {
        errors.push({
          ...at,
          ...customerId,
          path: `${root}.${mismatch.field}`,
          code: mismatch.code,
          message: mismatch.message,
        });
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const eventId = dto.eventId ?? randomUUID();
  return {
    ok: true,
    event: {
      index,
      eventId: eventId.toLowerCase(),
      eventIdGenerated: dto.eventId === undefined,
      type: dto.type,
      customerId: dto.customerId,
      occurredAt: toUtcIso(dto.occurredAt),
      ...(dto.expectedRevision !== undefined ? { expectedRevision: dto.expectedRevision } : {}),
      metadata: { ...(raw.metadata as object | undefined) },
      // The raw data (already whitelisted by validation) keeps the publisher's exact values.
      data: dataWithDefaults(dto.type, raw.data as Record<string, unknown>),
    },
  };
}

function dataWithDefaults(
  type: PublishableEventType,
  data: Record<string, unknown>,
): Record<string, unknown> {
  return type === 'CustomerAcquired' && data.profile === undefined ? { ...data, profile: {} } : data;
}

/**
 * Turns class-validator's tree into one entry per failing field, with its JSON path. `arrayIndexes`: a
 * property of digits is an array item (`[3]`); a contract without arrays passes false (`.3`, a key).
 */
export function flatten(
  error: ValidationError,
  parent: string,
  arrayIndexes = true,
): Omit<ProblemError, 'index'>[] {
  const path =
    arrayIndexes && /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : `${parent}.${error.property}`;
  const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
    path,
    code: constraintCode(constraint, error.value),
    message: message.replace(/^property (\S+) should not exist$/, 'property $1 is not allowed'),
  }));
  return [
    ...own.slice(0, 1),
    ...(error.children ?? []).flatMap((child) => flatten(child, path, arrayIndexes)),
  ];
}

function constraintCode(constraint: string, value: unknown): string {
  if (constraint === 'whitelistValidation') return 'UNKNOWN_FIELD';
  if (value === undefined) return 'MISSING_FIELD';
  return 'INVALID_FIELD';
}

/** Keys that could reach an object's prototype: refused anywhere, never silently dropped. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * NUL (PostgreSQL's text types cannot hold it: the read model would stop at the event) and lone UTF-16
 * surrogates (not Unicode: stored as U+FFFD, so the read model would differ from the event).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Cheap first look: almost every string has neither a NUL nor any surrogate, so one scan settles it. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what it looks for
const NUL_OR_SURROGATE = /[\u0000\uD800-\uDFFF]/;
export const isBadText = (text: string) =>
  NUL_OR_SURROGATE.test(text) && (text.includes('\u0000') || LONE_SURROGATE.test(text));

/**
 * One walk of the event (8 levels deep): the path of the first key that could reach a prototype, else of
 * the first key or string value that is not storable text. The path is built only for what it finds (the
 * keys on the way are kept in a stack): a valid event, the common case, allocates no path strings.
 */
function findUnsafeKeyOrText(value: unknown, root: string): { path: string; key: boolean } | undefined {
  return isSafeTree(value, 0) ? undefined : locateUnsafeKeyOrText(value, root);
}

/**
 * The common case first: the same walk without keeping the way down, true when no key could reach a
 * prototype and every key and string is storable text. Only when it finds something does the walk
 * below run again to say where.
 */
function isSafeTree(node: unknown, depth: number): boolean {
  if (typeof node === 'string') return !isBadText(node);
  if (typeof node !== 'object' || node === null || depth > 8) return true;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) if (!isSafeTree(node[i], depth + 1)) return false;
    // Keys other than indexes (not from JSON, but the walk below would visit them).
    return Object.keys(node).length === node.length;
  }
  for (const key of Object.keys(node)) {
    if (FORBIDDEN_KEYS.has(key) || isBadText(key)) return false;
    if (!isSafeTree((node as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function locateUnsafeKeyOrText(value: unknown, root: string): { path: string; key: boolean } | undefined {
  // The keys on the way down and whether each indexes an array (two stacks of primitives: no allocation).
  const keys: string[] = [];
  const inArray: boolean[] = [];
  const pathOf = () =>
    keys.reduce((path, key, i) => (inArray[i] ? `${path}[${key}]` : `${path}.${key}`), root);
  const pathWith = (key: string, array: boolean) => {
    keys.push(key);
    inArray.push(array);
    const path = pathOf();
    keys.pop();
    inArray.pop();
    return path;
  };
  let badText: string | undefined;
  const walk = (node: unknown, depth: number): string | undefined => {
    if (typeof node === 'string') {
      if (badText === undefined && isBadText(node)) badText = pathOf();
      return undefined;
    }
    if (typeof node !== 'object' || node === null || depth > 8) return undefined;
    const array = Array.isArray(node);
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) return pathWith(key, array);
      if (badText === undefined && isBadText(key)) badText = pathWith(key, array);
      keys.push(key);
      inArray.push(array);
      const found = walk((node as Record<string, unknown>)[key], depth + 1);
      keys.pop();
      inArray.pop();
      if (found) return found;
    }
    return undefined;
  };
  const forbidden = walk(value, 0);
  if (forbidden) return { path: forbidden, key: true };
  return badText === undefined ? undefined : { path: badText, key: false };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
