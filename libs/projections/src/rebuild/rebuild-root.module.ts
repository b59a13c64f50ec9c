import { AnalyticsModule } from '@crm/analytics';
import { AppConfig, ConfigModule } from '@crm/config';
import { EventStoreModule } from '@crm/event-store';
import { ReadModelModule } from '@crm/read-model';
import { DynamicModule, Module } from '@nestjs/common';
import { RebuildModule } from './rebuild.module';

/**
 * What `crm replay` boots: the event store, the read model and the rebuilds, nothing else (no HTTP, no
 * consumers), so it runs beside a live `crm serve` on the same DATA_DIR. The analytics store only when the
 * replay needs it (`analytics`, `all`): the embedded engine admits one process per DATA_DIR, so a replay of
 * the read model must not take it from (or wait for) a running `crm serve`.
 */
@Module({})
export class RebuildRootModule {
  static forRoot(config: AppConfig, options: { analytics?: boolean } = {}): DynamicModule {
    return {
      module: RebuildRootModule,
      imports: [
        ConfigModule.forRoot(config),
        EventStoreModule.forRoot(),
        ReadModelModule.forRoot(),
        ...(options.analytics ? [AnalyticsModule.forRoot()] : []),
        RebuildModule,
      ],
    };
  }
}
