import { AppConfig, ConfigModule } from '@crm/config';
import { EventStoreModule } from '@crm/event-store/event-store.module';
import { ReadModelModule } from '@crm/read-model';
import { DynamicModule, Module } from '@nestjs/common';
import { RebuildModule } from './rebuild.module';

/**
 * What `crm replay` boots: the event store, the read model and the rebuilds, nothing else (no HTTP, no
 * consumers, no embedded analytics engine), so it runs beside a live `crm serve` on the same DATA_DIR.
 */
@Module({})
export class RebuildRootModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: RebuildRootModule,
      imports: [
        ConfigModule.forRoot(config),
        EventStoreModule.forRoot(),
        ReadModelModule.forRoot(),
        RebuildModule,
      ],
    };
  }
}
