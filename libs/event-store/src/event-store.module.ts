import { AppConfig } from '@crm/config';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { composeEventStore, createEventStoreAdapter, createKeyStore } from './event-store.factory';
import { KEY_STORE, type KeyStore, SEALED_EVENT_STORE } from './erasure/key-store.port';

/** The bare adapter both compositions (EVENT_STORE, SEALED_EVENT_STORE) wrap. */
const EVENT_STORE_ADAPTER = Symbol('EVENT_STORE_ADAPTER');
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
 * createEventStore); appends observed when a global module provides EVENT_STORE_OBSERVER (the API's
 * metrics). SEALED_EVENT_STORE: the same store with personal data left sealed on read, for the relay.
 */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: EVENT_STORE_ADAPTER,
          inject: [AppConfig],
          useFactory: (config: AppConfig): EventStore =>
            createEventStoreAdapter({
              eventStoreUrl: config.EVENTSTORE_URL,
              dataDir: config.dataDir,
              durability: config.EVENT_STORE_DURABILITY,
            }),
        },
        {
          provide: EVENT_STORE,
          inject: [EVENT_STORE_ADAPTER, KEY_STORE, { token: EVENT_STORE_OBSERVER, optional: true }],
          useFactory: (
            adapter: EventStore,
            keyStore: KeyStore,
            observer?: EventStoreObserver,
          ): EventStore => {
            const store = composeEventStore(adapter, keyStore);
            return observer ? new ObservedEventStore(store, observer) : store;
          },
        },
        {
          provide: SEALED_EVENT_STORE,
          inject: [EVENT_STORE_ADAPTER, KEY_STORE],
          // Not closed on its own: EVENT_STORE's close closes the shared adapter and key store.
          useFactory: (adapter: EventStore, keyStore: KeyStore): EventStore =>
            composeEventStore(adapter, keyStore, { sealed: true }),
        },
        {
          provide: KEY_STORE,
          inject: [AppConfig],
          useFactory: (config: AppConfig): KeyStore => createKeyStore({ dataDir: config.dataDir }),
        },
        EventStoreCloser,
      ],
      exports: [EVENT_STORE, SEALED_EVENT_STORE, KEY_STORE],
    };
  }
}
