import { ReadModelError } from '../read-model.errors';

/** Another process holds the projection's rebuild lease: only one rebuild of a projection runs at a time. */
export class RebuildAlreadyRunningError extends ReadModelError {
  constructor(
    readonly projection: string,
    readonly owner: string | null,
    readonly leaseExpiresAt: number,
  ) {
    super(
      'REBUILD_ALREADY_RUNNING',
      `A rebuild of ${projection} is already running (owner ${owner ?? 'unknown'}, lease until ` +
        `${new Date(leaseExpiresAt).toISOString()}); wait for it to finish, or for its lease to expire if it died`,
    );
  }
}

/** This rebuild's lease was taken over (it stalled past the TTL): it stops without swapping. */
export class RebuildLeaseLostError extends ReadModelError {
  constructor(
    readonly projection: string,
    readonly owner: string,
  ) {
    super('REBUILD_LEASE_LOST', `The rebuild lease of ${projection} is no longer held by ${owner}`);
  }
}

/** The rebuild was asked to stop (abort signal); the shadow and its checkpoint are kept for a resume. */
export class RebuildInterruptedError extends ReadModelError {
  constructor(
    readonly projection: string,
    readonly position: bigint,
  ) {
    super(
      'REBUILD_INTERRUPTED',
      `Rebuild of ${projection} interrupted at position ${position}; run it again to resume from there`,
    );
  }
}

/** No projection of that name can be rebuilt. */
export class UnknownProjectionError extends ReadModelError {
  constructor(
    readonly projection: string,
    readonly known: readonly string[],
  ) {
    super('UNKNOWN_PROJECTION', `Unknown projection "${projection}"; known: ${known.join(', ')}`);
  }
}
