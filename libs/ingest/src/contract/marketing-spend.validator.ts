import type { MarketingSpendRecordedData } from '@crm/domain';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { toUtcIso } from '../metadata/utc-instant';
import { occurredAtTooFarAhead } from '../publish/occurred-at.rule';
import type { IngestProblem } from '../validation/ingest-problem';
import { FORBIDDEN_KEYS, flatten, isBadText } from '../validation/published-event.validator';
import { MarketingSpendDto } from './marketing-spend.dto';

/** A marketing spend that passed schema validation, normalised (UTC time, lower-case or generated id). */
export interface ValidMarketingSpend {
  readonly eventId: string;
  readonly eventIdGenerated: boolean;
  readonly occurredAt: string;
  readonly expectedRevision?: number;
  readonly metadata: { source?: string; correlationId?: string; causationId?: string };
  readonly data: MarketingSpendRecordedData;
}

export type MarketingSpendValidation =
  { ok: true; spend: ValidMarketingSpend } | { ok: false; errors: IngestProblem[] };

/** Validates POST /v1/marketing/spend's body (MarketingSpendDto), listing every failing field with its path. */
export function validateMarketingSpend(body: unknown, now = Date.now()): MarketingSpendValidation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      ok: false,
      errors: [{ path: '$', code: 'INVALID_EVENT', message: 'the body must be a JSON object' }],
    };
  }
  const unsafe = unsafePath(body, '$', 0);
  if (unsafe) return { ok: false, errors: [unsafe] };
  const dto = plainToInstance(MarketingSpendDto, body);
  const errors: IngestProblem[] = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  }).flatMap((e) => flatten(e, '$', false));
  if (errors.length === 0) {
    const tooFarAhead = occurredAtTooFarAhead(dto.occurredAt, now);
    if (tooFarAhead) errors.push({ path: '$.occurredAt', ...tooFarAhead });
  }
  if (errors.length > 0) return { ok: false, errors };
  const raw = body as Record<string, unknown>;
  return {
    ok: true,
    spend: {
      eventId: (dto.eventId ?? randomUUID()).toLowerCase(),
      eventIdGenerated: dto.eventId === undefined,
      occurredAt: toUtcIso(dto.occurredAt),
      ...(dto.expectedRevision !== undefined ? { expectedRevision: dto.expectedRevision } : {}),
      metadata: { ...(raw.metadata as object | undefined) },
      // The raw data (whitelisted by validation) keeps the publisher's exact values.
      data: raw.data as MarketingSpendRecordedData,
    },
  };
}

/** A key that could reach a prototype, or text the stores cannot keep (NUL, lone surrogates). */
function unsafePath(node: unknown, path: string, depth: number): IngestProblem | undefined {
  if (typeof node === 'string') {
    return isBadText(node)
      ? { path, code: 'INVALID_FIELD', message: 'text must be well-formed Unicode without NUL characters' }
      : undefined;
  }
  if (typeof node !== 'object' || node === null || depth > 4) return undefined;
  for (const key of Object.keys(node)) {
    const child = `${path}.${key}`;
    if (FORBIDDEN_KEYS.has(key))
      return { path: child, code: 'UNKNOWN_FIELD', message: 'property is not allowed' };
    const found = unsafePath((node as Record<string, unknown>)[key], child, depth + 1);
    if (found) return found;
  }
  return undefined;
}
