import { ValidatorConstraint, ValidatorConstraintInterface, ValidationArguments } from 'class-validator';

/** The scopes an API key can carry. The API's guard and `crm keys create` use this same list. */
export const API_SCOPES = [
  'events:write',
  'customers:read',
  'analytics:read',
  // SQL of one's own through the SQL entrance (SQL_PORT): broader than the analytics routes' answers.
  'analytics:sql',
  'admin',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimitSetting {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * One configured API key. Only a salted hash of the token is configured, never the token: whoever reads
 * the configuration cannot call the API with it.
 */
export interface ApiKeyEntry {
  /** Public identifier, also embedded in the token (`crm_<id>_<secret>`) so verification is one lookup. */
  readonly id: string;
  /** base64url, at least 16 random bytes. */
  readonly salt: string;
  /** base64url of HMAC-SHA256(salt, token): 32 bytes. */
  readonly hash: string;
  readonly scopes: readonly ApiScope[];
  /** Overrides RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST for this key. */
  readonly rateLimit?: RateLimitSetting;
}

export const API_KEY_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ENTRY_FIELDS = new Set(['id', 'salt', 'hash', 'scopes', 'rateLimit']);

function decodedLength(value: unknown): number {
  return typeof value === 'string' && BASE64URL.test(value) ? Buffer.from(value, 'base64url').length : -1;
}

/** Why one entry is unusable, or undefined when it is fine. */
function entryProblem(entry: unknown, index: number, seenIds: Set<string>): string | undefined {
  const at = `entry ${index}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `${at} is not an object`;
  const e = entry as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !ENTRY_FIELDS.has(k));
  if (unknown.length > 0) {
    return `${at} has unknown field(s) ${unknown.join(', ')} (plain-text tokens are never accepted: configure {id, salt, hash, scopes[, rateLimit]} from "crm keys create")`;
  }
  if (typeof e.id !== 'string' || !API_KEY_ID_PATTERN.test(e.id)) {
    return `${at}: id must be 1-40 characters of a-z, 0-9 and "-"`;
  }
  if (seenIds.has(e.id)) return `${at}: id "${e.id}" is used twice`;
  seenIds.add(e.id);
  if (decodedLength(e.salt) < 16) return `${at} (${e.id}): salt must be base64url of at least 16 bytes`;
  if (decodedLength(e.hash) !== 32) return `${at} (${e.id}): hash must be base64url of 32 bytes`;
  if (!Array.isArray(e.scopes) || e.scopes.length === 0) {
    return `${at} (${e.id}): scopes must be a non-empty list of ${API_SCOPES.join(', ')}`;
  }
  const badScope = e.scopes.find((s) => !(API_SCOPES as readonly unknown[]).includes(s));
  if (badScope !== undefined) {
    return `${at} (${e.id}): unknown scope ${JSON.stringify(badScope)}; known: ${API_SCOPES.join(', ')}`;
  }
  if (e.rateLimit !== undefined) {
    const r = e.rateLimit as Partial<Record<string, unknown>> | null;
    const ok =
      typeof r === 'object' &&
      r !== null &&
      Object.keys(r).every((k) => k === 'perSecond' || k === 'burst') &&
      typeof r.perSecond === 'number' &&
      Number.isFinite(r.perSecond) &&
      r.perSecond > 0 &&
      Number.isInteger(r.burst) &&
      (r.burst as number) >= 1;
    if (!ok) return `${at} (${e.id}): rateLimit must be {perSecond > 0, burst: integer >= 1}`;
  }
  return undefined;
}

/** Parses API_KEYS (a JSON list of entries); throws an Error saying what is wrong. */
export function parseApiKeys(raw: string): ApiKeyEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('must be a JSON list of {id, salt, hash, scopes[, rateLimit]}: not valid JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new Error('must be a non-empty JSON list of {id, salt, hash, scopes[, rateLimit]}');
  }
  const seenIds = new Set<string>();
  parsed.forEach((entry, index) => {
    const problem = entryProblem(entry, index, seenIds);
    if (problem) throw new Error(problem);
  });
  return parsed as ApiKeyEntry[];
}

/** class-validator constraint for AppConfig.API_KEYS; the message says which entry and field is wrong. */
@ValidatorConstraint({ name: 'apiKeys' })
export class ApiKeysConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return this.problem(value) === undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return `API_KEYS ${this.problem(args.value) ?? 'is invalid'}`;
  }

  private problem(value: unknown): string | undefined {
    if (typeof value !== 'string') return 'must be a JSON string';
    try {
      parseApiKeys(value);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }
}
