import { AppConfig } from '@crm/config';
import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CustomerReadModelProjector } from './customer-read-model.projector';
import { CustomerQueries } from './customer.queries';
import { createReadModelDataSource } from './data-source.factory';

export const READ_MODEL_DATA_SOURCE = Symbol('READ_MODEL_DATA_SOURCE');

@Injectable()
class ReadModelCloser implements OnApplicationShutdown {
  constructor(@Inject(READ_MODEL_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * Opens the read model (PostgreSQL when DATABASE_URL is set, else SQLite under DATA_DIR) and applies
 * pending migrations at boot. API and worker may boot at once against one PostgreSQL: the loser of the
 * migration race retries once the winner is done.
 */
async function openReadModel(config: AppConfig): Promise<DataSource> {
  const dataSource = createReadModelDataSource({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  await dataSource.initialize();
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.runMigrations({ transaction: 'all' });
      return dataSource;
    } catch (error) {
      if (attempt >= 5) throw error;
      new Logger('ReadModel').warn(`Migrations raced another process (attempt ${attempt}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

@Global()
@Module({})
export class ReadModelModule {
  static forRoot(): DynamicModule {
    return {
      module: ReadModelModule,
      providers: [
        { provide: READ_MODEL_DATA_SOURCE, inject: [AppConfig], useFactory: openReadModel },
        {
          provide: CustomerQueries,
          inject: [READ_MODEL_DATA_SOURCE],
          useFactory: (ds: DataSource) => new CustomerQueries(ds),
        },
        {
          provide: CustomerReadModelProjector,
          inject: [READ_MODEL_DATA_SOURCE],
          useFactory: (ds: DataSource) => new CustomerReadModelProjector(ds),
        },
        ReadModelCloser,
      ],
      exports: [READ_MODEL_DATA_SOURCE, CustomerQueries, CustomerReadModelProjector],
    };
  }
}
