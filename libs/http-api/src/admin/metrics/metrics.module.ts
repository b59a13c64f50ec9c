import { EVENT_STORE_OBSERVER } from '@crm/event-store';
import { Global, Module } from '@nestjs/common';
import { CrmMetrics } from './crm.metrics';

/**
 * The process's metrics. Global so that EventStoreModule finds EVENT_STORE_OBSERVER and wraps the event
 * store to time every append.
 */
@Global()
@Module({
  providers: [CrmMetrics, { provide: EVENT_STORE_OBSERVER, useExisting: CrmMetrics }],
  exports: [CrmMetrics, EVENT_STORE_OBSERVER],
})
export class MetricsModule {}
