import { AppConfig } from '@crm/config';
import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import {
  createAnalyticsClient,
  type AnalyticsClient,
  type ForwardedEngine,
} from './clickhouse/analytics-client.factory';
import { EmbeddedEngineBusyError } from './clickhouse/embedded-connection';
import { ClickHouseMigrationsRunner } from './migrations/clickhouse-migrations.runner';
import { AnalyticsProjector } from './projector/analytics.projector';

/** Injection token of the process's AnalyticsClient (ClickHouse server or embedded engine). */
export const ANALYTICS_CLIENT = Symbol('ANALYTICS_CLIENT');

/** Network failures worth waiting out at boot (the server is starting, or briefly unreachable). */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/** The store is not reachable yet, as opposed to refusing the schema (bad SQL, an edited migration). */
export function isAnalyticsUnreachable(error: unknown): boolean {
  if (error instanceof EmbeddedEngineBusyError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && TRANSIENT_CODES.has(code)) || /^Timeout error/.test(String(error));
}

/**
 * Applies the ClickHouse migrations at boot. A store that is not reachable yet does not stop the process: the
 * HTTP server may still be starting, or (embedded engine) another process on the same DATA_DIR holds the
 * engine. The schema is then retried in the background and `whenReady()` resolves once it is applied; the
 * analytics consumer joins its group only then, so a process without the store never holds partitions it
 * cannot project. Anything else (an edited migration, bad SQL) fails the boot.
 */
@Injectable()
export class AnalyticsSchema implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Analytics');
  private ready = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private lastError?: string;
  private readonly waiters: (() => void)[] = [];

  constructor(
    @Inject(ANALYTICS_CLIENT) private readonly ch: AnalyticsClient,
    private readonly retryMs = 5_000,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.attempt(true);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Why the schema is not applied yet (undefined once it is). */
  get pendingReason(): string | undefined {
    return this.ready ? undefined : this.lastError;
  }

  /** Resolves once the migrations are applied (at once if they are). */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  private async attempt(first: boolean): Promise<void> {
    if (this.ch.elsewhere) {
      // Not this process's store: nothing to wait for, and nothing to retry.
      this.lastError = this.ch.elsewhere.message;
      this.logger.log(`No analytics store in this process: ${this.lastError}`);
      return;
    }
    try {
      const result = await new ClickHouseMigrationsRunner(this.ch).run();
      this.ready = true;
      this.lastError = undefined;
      this.logger.log(
        `ClickHouse ${this.ch.engine === 'server' ? 'server' : 'embedded engine'}, database ${result.database}: ` +
          (result.applied.length > 0
            ? `applied migrations ${result.applied.join(', ')}`
            : 'schema up to date'),
      );
      this.waiters.splice(0).forEach((wake) => wake());
    } catch (error) {
      if (!isAnalyticsUnreachable(error)) throw error;
      const reason = (error as Error).message;
      if (first || reason !== this.lastError)
        this.logger.warn(`Analytics store unavailable, will retry: ${reason}`);
      this.lastError = reason;
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.attempt(false).catch((e) => this.fail(e)), this.retryMs);
        this.timer.unref();
      }
    }
  }

  private fail(error: unknown): void {
    this.lastError = (error as Error).message;
    this.logger.error(`Analytics schema cannot be applied: ${this.lastError}`);
  }
}

@Injectable()
class AnalyticsCloser implements OnApplicationShutdown {
  constructor(@Inject(ANALYTICS_CLIENT) private readonly ch: AnalyticsClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.ch.close();
  }
}

/**
 * The analytical store of the process: one AnalyticsClient built from the configuration (`CLICKHOUSE_URL` ->
 * ClickHouse over HTTP, else the embedded engine under `DATA_DIR/clickhouse`), its schema applied at boot,
 * and the projector. Global, like the other adapters, so the API's queries and the worker's consumer share the
 * one client when they run in one process (`crm serve`).
 */
@Global()
@Module({})
export class AnalyticsModule {
  /**
   * `embeddedEngine: 'elsewhere'`: without CLICKHOUSE_URL, this process does not open the embedded engine
   * (the API of the split deployment: the worker owns it). `forwardedEngine`: the embedded engine of another
   * process, through that connection (`crm serve`'s API process; its worker process owns the engine). Both ignored with CLICKHOUSE_URL.
   */
  static forRoot(
    options: { embeddedEngine?: 'open' | 'elsewhere'; forwardedEngine?: ForwardedEngine } = {},
  ): DynamicModule {
    return {
      module: AnalyticsModule,
      providers: [
        {
          provide: ANALYTICS_CLIENT,
          inject: [AppConfig],
          useFactory: (config: AppConfig) =>
            createAnalyticsClient({
              clickhouseUrl: config.CLICKHOUSE_URL,
              dataDir: config.dataDir,
              embeddedEngine: options.embeddedEngine,
              forwardedEngine: options.forwardedEngine,
            }),
        },
        {
          provide: AnalyticsSchema,
          inject: [ANALYTICS_CLIENT],
          useFactory: (ch: AnalyticsClient) => new AnalyticsSchema(ch),
        },
        {
          provide: AnalyticsProjector,
          inject: [ANALYTICS_CLIENT],
          useFactory: (ch: AnalyticsClient) => new AnalyticsProjector(ch),
        },
        AnalyticsCloser,
      ],
      exports: [ANALYTICS_CLIENT, AnalyticsSchema, AnalyticsProjector],
    };
  }
}
