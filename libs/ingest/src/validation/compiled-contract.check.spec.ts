import { publishedEvents } from '@crm/generator';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { EVENT_DTO_BY_TYPE } from '../contract/published-event.dto';
import { compileContractCheck } from './compiled-contract.check';
import { eventSpec, materialise } from '../../../../test/support/event-arbitraries';

type Raw = Record<string, unknown>;

/** What the contract says, the slow and exact way (as the validator's fallback runs it). */
const slow = (raw: Raw) =>
  validateSync(plainToInstance(EVENT_DTO_BY_TYPE[raw.type as keyof typeof EVENT_DTO_BY_TYPE], raw), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  }).length === 0;
const fast = (raw: Raw) =>
  compileContractCheck(EVENT_DTO_BY_TYPE[raw.type as keyof typeof EVENT_DTO_BY_TYPE])(raw);

const samples: Raw[] = [];
for (const event of publishedEvents({ customers: 300, seed: 11 })) {
  samples.push(JSON.parse(JSON.stringify(event)) as Raw);
  if (samples.length >= 2000) break;
}
// Every publishable type, whatever the generator emits yet: valid events from the write API's arbitraries.
let nextId = 0;
for (const spec of fc.sample(eventSpec(0), { numRuns: 1500, seed: 13 })) {
  const request = { events: [spec], bare: true, retry: 'none', twinInStep: false } as const;
  const id = () => `6f1c2a3e-8d4b-4c1a-9e2f-${String(nextId++).padStart(12, '0')}`;
  samples.push(JSON.parse(JSON.stringify(materialise(request, ['c-1', 'c-2', 'c-3'], id).body)) as Raw);
}

/** Every path to a value in the event (objects and arrays), for mutations. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths((value as Raw)[k as never], [...prefix, k]))];
}

function mutate(raw: Raw, path: (string | number)[], op: 'set' | 'delete' | 'add', value: unknown): Raw {
  const copy = JSON.parse(JSON.stringify(raw)) as Raw;
  if (path.length === 0) return op === 'add' && typeof value === 'string' ? { ...copy, [value]: 1 } : copy;
  const parent = path.slice(0, -1).reduce<Raw>((node, k) => node[k as never] as Raw, copy);
  const key = path[path.length - 1];
  if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key as never];
  } else if (op === 'add' && typeof parent[key as never] === 'object' && parent[key as never] !== null) {
    (parent[key as never] as Raw)[typeof value === 'string' && value ? value : 'extra'] = 1;
  } else parent[key as never] = value;
  return copy;
}

/** Values that sit at the edges of the DTO rules, besides fast-check's arbitrary JSON. */
const edgy = fc.constantFrom(
  null,
  '',
  ' ',
  0,
  -1,
  1.5,
  1e21,
  '2026-02-30T10:00:00Z',
  '2026-01-01T10:00:00+0100',
  'EUR',
  'eur',
  'XXX',
  'IT',
  'it',
  'a@b.co',
  'x'.repeat(129),
  'x'.repeat(201),
  [],
  {},
  true,
  'c-1',
  '6F1C2A3E-8D4B-4C1A-9E2F-0A1B2C3D4E5F',
);

describe('compiled contract check: agrees with class-validator', () => {
  it('samples every publishable type', () => {
    expect(new Set(samples.map((raw) => raw.type))).toEqual(new Set(Object.keys(EVENT_DTO_BY_TYPE)));
  });

  it('accepts every generated event, as class-validator does', () => {
    const disagreements = samples.filter((raw) => fast(raw) !== slow(raw));
    expect(disagreements.slice(0, 3)).toEqual([]);
    expect(samples.filter(fast)).toHaveLength(samples.length);
  });

  it('accepts and refuses exactly what class-validator does, on mutated events', () => {
    let refused = 0;
    fc.assert(
      fc.property(
        fc.nat(samples.length - 1),
        fc.nat(1000),
        fc.constantFrom('set' as const, 'delete' as const, 'add' as const),
        fc.oneof(edgy, fc.jsonValue({ maxDepth: 2 })),
        (sample, at, op, value) => {
          const raw = samples[sample];
          const all = paths(raw).filter((p) => p[0] !== 'type'); // the type picks the DTO: kept valid
          const mutated = mutate(raw, all[at % all.length], op, value);
          const expected = slow(mutated);
          if (!expected) refused++;
          expect({ mutated, fast: fast(mutated) }).toEqual({ mutated, fast: expected });
        },
      ),
      { numRuns: 3000, seed: 20261207 },
    );
    expect(refused).toBeGreaterThan(500); // the mutations do break rules, often
  });
});
