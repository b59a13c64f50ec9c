/**
 * One failing field or event. The shape every entrance reports: the API lists these in a problem's
 * `errors`, `crm import` prints them with line numbers, the Kafka channel puts them on its rejections topic.
 */
export interface IngestProblem {
  /** Position of the event in a batch (absent for a single event). */
  readonly index?: number;
  readonly customerId?: string;
  readonly eventId?: string;
  /** JSON path of the field at fault, from the body's root: `$.events[2].data.amount.minor`. */
  readonly path?: string;
  /** Stable code clients may branch on (INVALID_FIELD, CUSTOMER_NOT_ACQUIRED, ...). */
  readonly code: string;
  readonly message: string;
}
