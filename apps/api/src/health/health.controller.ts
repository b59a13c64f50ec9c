import { ANALYTICS_CLIENT, pingAnalytics, type AnalyticsClient } from '@crm/analytics';
import { AppConfig } from '@crm/config';
import { EVENT_STORE, EventStore } from '@crm/event-store/event-store.port';
import { BUS, Bus } from '@crm/messaging';
import { READ_MODEL_DATA_SOURCE } from '@crm/read-model';
import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/requires-scope.decorator';
import { ApiProblem } from '../problems/api-problem';

interface Check {
  readonly adapter: string;
  readonly status: 'up' | 'down';
  readonly error?: string;
}

const PROBE_TIMEOUT_MS = 2_000;

/** Resolves 'up', or 'down' with the reason, within the probe timeout (a hung server is down too). */
async function probe(adapter: string, ping: () => Promise<unknown>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS)),
      ),
    ]);
    return { adapter, status: 'up' };
  } catch (error) {
    return { adapter, status: 'down', error: (error as Error).message?.slice(0, 200) ?? 'unknown' };
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DATA_SOURCE) private readonly readModel: DataSource,
    private readonly config: AppConfig,
    // The bus is there when the worker runs in this process (crm serve).
    @Optional() @Inject(BUS) private readonly bus?: Bus,
    @Optional() @Inject(ANALYTICS_CLIENT) private readonly analytics?: AnalyticsClient,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Readiness: 200 when every configured adapter answers, else 503 naming the one down',
  })
  async health() {
    const checks: Record<string, Check> = {
      eventStore: await probe(this.config.EVENTSTORE_URL ? 'eventstoredb' : 'sqlite', () =>
        this.store.ping(),
      ),
      readModel: await probe(this.config.DATABASE_URL ? 'postgresql' : 'sqlite', () =>
        this.readModel.query('SELECT 1'),
      ),
      ...(this.analytics
        ? {
            analytics: await probe(this.analytics.engine === 'server' ? 'clickhouse' : 'chdb', () =>
              pingAnalytics(this.analytics!),
            ),
          }
        : {}),
      ...(this.bus
        ? { bus: await probe(this.config.KAFKA_BROKERS ? 'kafka' : 'in-process', () => this.bus!.ping()) }
        : {}),
    };
    const down = Object.entries(checks).filter(([, c]) => c.status === 'down');
    if (down.length > 0) {
      throw new ApiProblem(
        503,
        'UNHEALTHY',
        'Service unhealthy',
        `Not answering: ${down.map(([name]) => name).join(', ')}`,
        undefined,
        { 'Retry-After': '5' },
        { checks },
      );
    }
    return { status: 'ok', checks };
  }
}
