import { ANALYTICS_CLIENT, AnalyticsRebuild, type AnalyticsClient } from '@crm/analytics';
import { AppConfig } from '@crm/config';
import {
  CustomerReadModelRebuild,
  READ_MODEL_DATA_SOURCE,
  type RebuildableProjection,
} from '@crm/read-model';
import { Module } from '@nestjs/common';
import { resolve } from 'node:path';
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
      // The embedded store's files: ClickHouse reads them itself when it can (see AnalyticsRebuild).
      inject: [READ_MODEL_DATA_SOURCE, AppConfig, { token: ANALYTICS_CLIENT, optional: true }],
      useFactory: (
        readModel: DataSource,
        config: AppConfig,
        analytics?: AnalyticsClient,
      ): RebuildableProjection[] => [
        new CustomerReadModelRebuild(readModel),
        ...(analytics
          ? [
              new AnalyticsRebuild(analytics, {
                ...(config.EVENTSTORE_URL
                  ? {}
                  : {
                      sqliteStore: {
                        eventsFile: resolve(config.DATA_DIR, 'events.sqlite'),
                        keysFile: resolve(config.DATA_DIR, 'keys.sqlite'),
                      },
                    }),
              }),
            ]
          : []),
      ],
    },
    ProjectionRebuildService,
  ],
  exports: [ProjectionRebuildService],
})
export class RebuildModule {}
