import { AnalyticsModule, type ForwardedEngine } from '@crm/analytics';
import { AppConfig, ConfigModule } from '@crm/config';
import { EventStoreModule } from '@crm/event-store';
import { ReadModelModule } from '@crm/read-model';
import { DynamicModule, Module } from '@nestjs/common';
import { ApiModule } from './api.module';

/** The API process: HTTP plus the adapters it reads and writes through. */
@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    extra: DynamicModule['imports'] = [],
    options: { analyticsEngine?: 'open' | 'elsewhere' | ForwardedEngine } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        EventStoreModule.forRoot(),
        ReadModelModule.forRoot(),
        AnalyticsModule.forRoot(
          typeof options.analyticsEngine === 'object'
            ? { forwardedEngine: options.analyticsEngine }
            : { embeddedEngine: options.analyticsEngine },
        ),
        ApiModule,
        ...extra,
      ],
    };
  }
}
