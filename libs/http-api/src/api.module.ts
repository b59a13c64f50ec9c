import { Module } from '@nestjs/common';
import { AdminController } from './admin/admin.controller';
import { AnalyticsApiModule } from './analytics/analytics-api.module';
import { AnalyticsSqlModule } from './analytics-sql/analytics-sql.module';
import { ConsoleModule } from './console/console.module';
import { PipelineLagQuery } from './admin/pipeline-lag.query';
import { ProjectionsQuery } from './admin/projections.query';
import { MetricsController } from './admin/metrics/metrics.controller';
import { MetricsModule } from './admin/metrics/metrics.module';
import { PipelineMetrics } from './admin/metrics/pipeline.metrics';
import { Customer360Controller } from './customers/customer-360.controller';
import { CustomerTimelineController } from './customers/customer-timeline.controller';
import { ErasePersonalDataService } from './customers/erasure/erase-personal-data.service';
import { PersonalDataController } from './customers/erasure/personal-data.controller';
import { ReadYourWrites } from './customers/read-your-writes';
import { TimeTravel } from './customers/time-travel';
import { PublishEventsController } from './events/publish-events.controller';
import { HealthModule } from './health/health.module';
import { MarketingApiModule } from './marketing/marketing-api.module';
import { IngestModule } from '@crm/ingest';
import { RebuildModule } from '@crm/projections';

/** The HTTP side. Adapters (event store, read model) come from the global modules of the root module. */
@Module({
  imports: [
    IngestModule,
    AnalyticsApiModule,
    AnalyticsSqlModule,
    RebuildModule,
    MetricsModule,
    HealthModule,
    ConsoleModule,
    MarketingApiModule,
  ],
  controllers: [
    PublishEventsController,
    CustomerTimelineController,
    Customer360Controller,
    PersonalDataController,
    AdminController,
    MetricsController,
  ],
  providers: [
    ErasePersonalDataService,
    ReadYourWrites,
    TimeTravel,
    PipelineLagQuery,
    ProjectionsQuery,
    PipelineMetrics,
  ],
})
export class ApiModule {}
