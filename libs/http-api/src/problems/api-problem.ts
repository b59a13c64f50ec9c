/** One failing field or event, as listed in a problem's `errors`. */
export interface ProblemError {
  /** Position of the event in a batch (absent for a single event). */
  readonly index?: number;
  readonly customerId?: string;
  readonly eventId?: string;
  /** JSON path of the field at fault, from the request body's root: `$.events[2].data.amount.minor`. */
  readonly path?: string;
  readonly code: string;
  readonly message: string;
}

/**
 * An RFC 7807 problem the API answers with. Thrown by controllers and produced by `toProblem` from
 * domain, store and framework errors; rendered in exactly one place (the exception filter).
 */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: readonly ProblemError[],
    readonly headers: Readonly<Record<string, string>> = {},
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail ?? title);
    this.name = 'ApiProblem';
  }

  toBody(instance: string): Record<string, unknown> {
    return {
      type: `urn:crm:problem:${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      instance,
      ...this.extensions,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}
