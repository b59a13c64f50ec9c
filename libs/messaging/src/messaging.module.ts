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
import { createBus } from './bus.factory';
import { BUS, Bus } from './bus.port';

@Injectable()
class BusCloser implements OnApplicationShutdown {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/** Provides BUS: Kafka when KAFKA_BROKERS is set, else the in-process bus. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(): DynamicModule {
    const logger = new Logger('Bus');
    return {
      module: MessagingModule,
      providers: [
        {
          provide: BUS,
          inject: [AppConfig],
          useFactory: (config: AppConfig) =>
            createBus({
              kafkaBrokers: config.kafkaBrokers,
              partitions: config.KAFKA_PARTITIONS,
              topic: config.KAFKA_TOPIC,
              clientId: config.workerId,
              logLevel: config.LOG_LEVEL,
              onError: (message, error) => logger.warn(`${message}: ${(error as Error)?.message ?? error}`),
            }),
        },
        BusCloser,
      ],
      exports: [BUS],
    };
  }
}
