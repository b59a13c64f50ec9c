/**
 * Errors of upcasting, with stable codes. Reads that meet one fail loudly: a replay that skipped or
 * misread an event would silently make every projection built from it wrong.
 */

/**
 * An event carries a schema version this process cannot read: newer than the current version of its type
 * (written by a newer release; deploy that release before replaying), or not a positive integer at all.
 */
export class UnknownSchemaVersionError extends Error {
  readonly code = 'UNKNOWN_SCHEMA_VERSION';
  constructor(
    readonly eventType: string,
    readonly schemaVersion: unknown,
    readonly currentVersion: number,
    readonly eventId?: string,
    readonly streamId?: string,
  ) {
    super(
      `${eventType} ${eventId ?? ''}${streamId ? ` in ${streamId}` : ''} has schema version ` +
        `${JSON.stringify(schemaVersion)}, but this process knows versions 1 to ${currentVersion} only`,
    );
    this.name = 'UnknownSchemaVersionError';
  }
}

/** The upcasters do not form a complete chain 1 → 2 → … → current for every type (found at construction). */
export class InvalidUpcasterChainError extends Error {
  readonly code = 'INVALID_UPCASTER_CHAIN';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid upcaster chain: ${problems.join('; ')}`);
    this.name = 'InvalidUpcasterChainError';
  }
}

/** A decimal amount in major units that cannot become integer minor units (NaN, negative, too large, ...). */
export class InvalidMajorAmountError extends Error {
  readonly code = 'INVALID_MAJOR_AMOUNT';
  constructor(
    readonly amount: unknown,
    readonly currency: unknown,
    reason: string,
  ) {
    super(`Cannot convert ${describe(amount)} ${describe(currency)} to minor units: ${reason}`);
    this.name = 'InvalidMajorAmountError';
  }
}

/** NaN and Infinity read as themselves, not as JSON's `null`. */
const describe = (value: unknown): string =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));

/** An old event's data could not be turned into the next version; names the event and the field. */
export class UpcastFailedError extends Error {
  readonly code = 'UPCAST_FAILED';
  constructor(
    readonly eventType: string,
    readonly eventId: string,
    readonly fromVersion: number,
    /** JSON path inside the event, e.g. `$.data.items[0].unitPrice`. */
    readonly path: string,
    cause: unknown,
  ) {
    super(
      `Cannot upcast ${eventType} ${eventId} from version ${fromVersion} at ${path}: ` +
        (cause instanceof Error ? cause.message : String(cause)),
      { cause },
    );
    this.name = 'UpcastFailedError';
  }
}
