import { ANALYTICS_CLIENT, AnalyticsSchema, type AnalyticsClient } from '@crm/analytics';
import { AppConfig } from '@crm/config';
import { READ_MODEL_DATA_SOURCE } from '@crm/read-model';
import {
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CustomerScoresJob } from './customer-scores.job';

/**
 * The scoring job of the process (adapters from the global modules of the root module): what
 * POST /v1/admin/scores/refresh runs, and what the worker's timer runs.
 */
@Module({
  providers: [
    {
      provide: CustomerScoresJob,
      inject: [ANALYTICS_CLIENT, READ_MODEL_DATA_SOURCE, AppConfig],
      useFactory: (ch: AnalyticsClient, readModel: DataSource, config: AppConfig) =>
        new CustomerScoresJob(ch, readModel, {
          currency: config.SCORING_CURRENCY,
          batchSize: config.SCORING_BATCH_SIZE,
        }),
    },
  ],
  exports: [CustomerScoresJob],
})
export class CustomerScoresModule {}

/**
 * Runs the job every SCORING_INTERVAL_MS (0: never), the first time one interval after boot: a booting
 * worker has its projections to catch up first, and an on-demand refresh is there for the impatient. Only
 * where this process holds the analytics store, and once its schema is applied. A failed run is logged and
 * the next one comes at the next interval.
 */
@Injectable()
export class CustomerScoresScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CustomerScores');
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly job: CustomerScoresJob,
    private readonly schema: AnalyticsSchema,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.SCORING_INTERVAL_MS === 0) return;
    void this.schema.whenReady().then(() => this.schedule());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.config.SCORING_INTERVAL_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const run = await this.job.run();
      if (run.status === 'scored') {
        this.logger.log(
          `Scored ${run.scored} customers with model ${run.modelId} (${run.currency}, cutoff ${run.cutoff}); ` +
            `${run.removed} older scores removed`,
        );
      } else this.logger.log(`No scores this time: ${run.reason}`);
    } catch (error) {
      this.logger.error(`Scoring run failed: ${(error as Error).message}`);
    } finally {
      this.schedule();
    }
  }
}

/** The job with its timer: what the worker registers. */
@Module({
  imports: [CustomerScoresModule],
  providers: [CustomerScoresScheduler],
})
export class CustomerScoresSchedulerModule {}
