import { AppConfig } from '@crm/config';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { createEventStore, createKeyStore } from './event-store.factory';
import { KEY_STORE, type KeyStore } from './erasure/key-store.port';
import { EVENT_STORE, EventStore } from './event-store.port';
import { EVENT_STORE_OBSERVER, EventStoreObserver, ObservedEventStore } from './observed.event-store';

@Injectable()
class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Provides EVENT_STORE: EventStoreDB when EVENTSTORE_URL is set, else the embedded SQLite store; personal
 * data crypto-shredded with the keys of KEY_STORE and reads upcast to current schema versions (see
 * createEventStore); appends observed when a global module provides
 * EVENT_STORE_OBSERVER (the API's metrics).
 */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: EVENT_STORE,
          inject: [AppConfig, KEY_STORE, { token: EVENT_STORE_OBSERVER, optional: true }],
          useFactory: (config: AppConfig, keyStore: KeyStore, observer?: EventStoreObserver): EventStore => {
            const store = createEventStore({
              eventStoreUrl: config.EVENTSTORE_URL,
              dataDir: config.dataDir,
              keyStore,
            });
            return observer ? new ObservedEventStore(store, observer) : store;
          },
        },
        {
          provide: KEY_STORE,
          inject: [AppConfig],
          useFactory: (config: AppConfig): KeyStore => createKeyStore({ dataDir: config.dataDir }),
        },
        EventStoreCloser,
      ],
      exports: [EVENT_STORE, KEY_STORE],
    };
  }
}
