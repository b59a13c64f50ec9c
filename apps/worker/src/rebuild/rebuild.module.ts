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
 * the global modules of the root module. A new rebuildable projection (for example analytics, through a
 * RebuildableProjection over ClickHouse) is added to the list below.
 */
@Module({
  providers: [
    {
      provide: REBUILDABLE_PROJECTIONS,
      inject: [READ_MODEL_DATA_SOURCE],
      useFactory: (readModel: DataSource): RebuildableProjection[] => [
        new CustomerReadModelRebuild(readModel),
      ],
    },
    ProjectionRebuildService,
  ],
  exports: [ProjectionRebuildService],
})
export class RebuildModule {}
