import { ANALYTICS_CLIENT, AnalyticsRebuild, type AnalyticsClient } from '@crm/analytics';
import {
  CustomerReadModelRebuild,
  READ_MODEL_DATA_SOURCE,
  type RebuildableProjection,
} from '@crm/read-model';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProjectionRebuildService, REBUILDABLE_PROJECTIONS } from './projection-rebuild.service';

/**
 * Projection rebuilds (`crm replay`, the admin API). The event store, read model and config come from
 * the global modules of the root module. A new rebuildable projection is added to the list below.
 */
@Module({
  providers: [
    {
      provide: REBUILDABLE_PROJECTIONS,
      // Analytics only where the process has the analytics store (AnalyticsModule is global).
      inject: [READ_MODEL_DATA_SOURCE, { token: ANALYTICS_CLIENT, optional: true }],
      useFactory: (readModel: DataSource, analytics?: AnalyticsClient): RebuildableProjection[] => [
        new CustomerReadModelRebuild(readModel),
        ...(analytics ? [new AnalyticsRebuild(analytics)] : []),
      ],
    },
    ProjectionRebuildService,
  ],
  exports: [ProjectionRebuildService],
})
export class RebuildModule {}
