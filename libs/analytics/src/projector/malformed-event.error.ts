/** An event the analytics store cannot hold (bad time or amount): the worker dead-letters it. */
export class MalformedAnalyticsEventError extends Error {
  readonly code = 'analytics.malformed_event';

  constructor(
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`Event ${eventId} cannot be projected into analytics: ${reason}`);
    this.name = 'MalformedAnalyticsEventError';
  }
}
