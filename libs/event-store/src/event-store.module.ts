import { AppConfig } from '@crm/config';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { createEventStore } from './event-store.factory';
import { EVENT_STORE, EventStore } from './event-store.port';

@Injectable()
class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Provides EVENT_STORE: EventStoreDB when EVENTSTORE_URL is set, else the embedded SQLite store. */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: EVENT_STORE,
          inject: [AppConfig],
          useFactory: (config: AppConfig): EventStore =>
            createEventStore({ eventStoreUrl: config.EVENTSTORE_URL, dataDir: config.dataDir }),
        },
        EventStoreCloser,
      ],
      exports: [EVENT_STORE],
    };
  }
}
