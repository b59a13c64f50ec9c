import { AnalyticsSchema } from '@crm/analytics';
import { AnalyticsStoreUnavailableError } from '@crm/analytics';
import { Injectable } from '@nestjs/common';

/**
 * Answers need the schema: until the migrations are applied (the store was unreachable at boot and is being
 * retried) every answer is a 503 ANALYTICS_UNAVAILABLE rather than a "table does not exist" 500.
 */
@Injectable()
export class AnalyticsReadiness {
  constructor(private readonly schema: AnalyticsSchema) {}

  check(): void {
    if (!this.schema.isReady) {
      throw new AnalyticsStoreUnavailableError(
        new Error(this.schema.pendingReason ?? 'schema not applied yet'),
      );
    }
  }
}
