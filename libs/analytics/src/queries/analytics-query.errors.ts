/**
 * Errors of the analytical answers. Each has a stable code; the API maps them to problem+json (400 for a bad
 * parameter, 422 when the data cannot support the answer, 503 when the store cannot be reached).
 */
export abstract class AnalyticsQueryError extends Error {
  abstract readonly code: string;
}

/** A parameter of an answer is malformed or out of range. `field` is the parameter's name. */
export class InvalidAnalyticsParameterError extends AnalyticsQueryError {
  readonly code = 'INVALID_ANALYTICS_PARAMETER';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidAnalyticsParameterError';
  }
}

/** The data as of the cutoff cannot support the answer (a model fitted on nobody, for instance). */
export class NotEnoughAnalyticsDataError extends AnalyticsQueryError {
  readonly code: string = 'NOT_ENOUGH_DATA';

  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughAnalyticsDataError';
  }
}

/**
 * The CLV models were fitted but the result is not an estimate (not converged, a parameter run off to 0 or
 * infinity, a non-finite likelihood): the data cannot support predictions. A kind of NotEnoughAnalyticsData,
 * so it answers 422, with its own code.
 */
export class ClvFitFailedError extends NotEnoughAnalyticsDataError {
  override readonly code = 'CLV_FIT_FAILED';

  constructor(message: string) {
    super(message);
    this.name = 'ClvFitFailedError';
  }
}

/** The analytics store did not answer (server down, connection refused, timeout). Nothing was changed. */
export class AnalyticsStoreUnavailableError extends AnalyticsQueryError {
  readonly code = 'ANALYTICS_UNAVAILABLE';

  constructor(cause: unknown) {
    super(`The analytics store is unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'AnalyticsStoreUnavailableError';
  }
}
