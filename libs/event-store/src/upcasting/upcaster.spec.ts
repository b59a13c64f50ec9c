import type { RecordedEvent } from '../event-store.port';
import { UpcasterChain, type Upcaster } from './upcaster';
import { InvalidUpcasterChainError, UnknownSchemaVersionError } from './upcasting.errors';

/** A step that records its version in `data.steps`, so tests see which steps ran and in what order. */
const step = (eventType: string, fromVersion: number, toVersion = fromVersion + 1): Upcaster => ({
  eventType,
  fromVersion,
  toVersion,
  upcast: (data) => ({ ...data, steps: [...((data.steps as number[]) ?? []), fromVersion] }),
});

const event = (type: string, schemaVersion?: unknown): RecordedEvent => ({
  streamId: 'thing-1',
  streamRevision: 0,
  globalPosition: 1n,
  eventId: 'e-1',
  type,
  occurredAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:00.000Z',
  data: { value: 1 },
  metadata: (schemaVersion === undefined
    ? { source: 's' }
    : { schemaVersion, source: 's' }) as RecordedEvent['metadata'],
});

function chainProblems(versions: Record<string, number>, upcasters: Upcaster[]): readonly string[] {
  try {
    new UpcasterChain(versions, upcasters);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidUpcasterChainError);
    expect(error).toMatchObject({ code: 'INVALID_UPCASTER_CHAIN' });
    return (error as InvalidUpcasterChainError).problems;
  }
  throw new Error('expected an invalid chain');
}

describe('UpcasterChain validation', () => {
  it('accepts a complete chain, and types at version 1 without upcasters', () => {
    const chain = new UpcasterChain({ A: 3, B: 1 }, [step('A', 2), step('A', 1)]);
    expect(chain.currentVersionOf('A')).toBe(3);
    expect(chain.currentVersionOf('B')).toBe(1);
    expect(chain.currentVersionOf('C')).toBeUndefined();
  });

  it('rejects a gap', () => {
    expect(chainProblems({ A: 3 }, [step('A', 1)])).toEqual([
      'A: no upcaster from version 2 to 3 (current is 3)',
    ]);
  });

  it('rejects a type above version 1 with no upcasters at all, naming every missing step', () => {
    expect(chainProblems({ A: 3 }, [])).toEqual([
      'A: no upcaster from version 1 to 2 (current is 3)',
      'A: no upcaster from version 2 to 3 (current is 3)',
    ]);
  });

  it('rejects duplicates', () => {
    expect(chainProblems({ A: 2 }, [step('A', 1), step('A', 1)])).toEqual([
      'A: two upcasters from version 1',
    ]);
  });

  it('rejects a step that skips a version or goes backwards', () => {
    expect(chainProblems({ A: 3 }, [step('A', 1, 3), step('A', 2)])).toEqual([
      'A: upcaster 1 → 3 must go from an integer ≥ 1 to the next version',
      'A: no upcaster from version 1 to 2 (current is 3)',
    ]);
    expect(chainProblems({ A: 2 }, [step('A', 1), step('A', 0)])[0]).toMatch(/upcaster 0 → 1 must go from/);
  });

  it('rejects a step beyond the current version, and one for a type with no current version', () => {
    expect(chainProblems({ A: 2 }, [step('A', 1), step('A', 2)])).toEqual([
      'A: upcaster 2 → 3 goes beyond the current version 2',
    ]);
    expect(chainProblems({ A: 1 }, [step('B', 1)])).toEqual([
      'B v1: upcaster for a type without a current version',
    ]);
  });

  it('rejects a current version that is not an integer ≥ 1', () => {
    expect(chainProblems({ A: 0, B: 1.5 }, [])).toEqual([
      'A: current version 0 is not an integer ≥ 1',
      'B: current version 1.5 is not an integer ≥ 1',
    ]);
  });
});

describe('UpcasterChain.upcast', () => {
  const chain = new UpcasterChain({ A: 3, B: 1 }, [step('A', 2), step('A', 1)]);

  it('applies the steps in order from the recorded version, and records where it started', () => {
    const fromOne = chain.upcast(event('A', 1));
    expect(fromOne.data).toEqual({ value: 1, steps: [1, 2] });
    expect(fromOne.metadata).toEqual({ schemaVersion: 3, upcastFrom: 1, source: 's' });

    const fromTwo = chain.upcast(event('A', 2));
    expect(fromTwo.data).toEqual({ value: 1, steps: [2] });
    expect(fromTwo.metadata).toEqual({ schemaVersion: 3, upcastFrom: 2, source: 's' });
  });

  it('reads an absent version as 1', () => {
    expect(chain.upcast(event('A')).data).toEqual({ value: 1, steps: [1, 2] });
    // At version 1 already: nothing to run, the implicit version is made explicit.
    const b = chain.upcast(event('B'));
    expect(b.metadata).toEqual({ schemaVersion: 1, source: 's' });
    expect(b.data).toEqual({ value: 1 });
  });

  it('returns a current event as the same object', () => {
    const current = event('A', 3);
    expect(chain.upcast(current)).toBe(current);
  });

  it('passes types it does not know through, whatever their version', () => {
    const unknown = event('SomethingNew', 7);
    expect(chain.upcast(unknown)).toBe(unknown);
  });

  it.each([
    ['A', 4, 3],
    ['B', 2, 1],
    ['A', 0, 3],
    ['A', 1.5, 3],
    ['A', '2', 3],
    ['A', null, 3], // an explicit null is not "absent": someone wrote something odd
  ])(
    'throws UnknownSchemaVersionError for %s at version %p (current %i), never passing it on',
    (type, version, current) => {
      const recorded = event(type, version);
      let error: unknown;
      try {
        chain.upcast(recorded);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UnknownSchemaVersionError);
      expect(error).toMatchObject({
        code: 'UNKNOWN_SCHEMA_VERSION',
        eventType: type,
        schemaVersion: version,
        currentVersion: current,
        eventId: 'e-1',
        streamId: 'thing-1',
      });
      expect((error as Error).message).toContain(`knows versions 1 to ${current} only`);
    },
  );

  it('upcastAll maps one to one, in order', () => {
    const events = [event('A', 1), event('B', 1), event('A', 3)];
    expect(chain.upcastAll(events).map((e) => e.metadata.schemaVersion)).toEqual([3, 1, 3]);
  });
});
