import { API_CLUSTER, type ApiClusterMember } from '@crm/projections';
import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { CrmMetrics } from './crm.metrics';
import { PipelineMetrics } from './pipeline.metrics';

type ProcessMetrics = MetricObjectWithValues<MetricValue<string>>[];

@ApiTags('operations')
@RequiresScope('admin')
@Controller('metrics')
export class MetricsController {
  /** Requests of this API process already added to its counter. */
  private countedRequests = 0;

  constructor(
    private readonly metrics: CrmMetrics,
    private readonly pipeline: PipelineMetrics,
    /** One of several API processes: a scrape answers for all of them. */
    @Optional() @Inject(API_CLUSTER) private readonly cluster?: ApiClusterMember,
  ) {
    cluster?.reportMetricsWith(() => this.own());
  }

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics: append latency and batch sizes, relay and projector lag, rebuilds, dead letters',
    description:
      'Text exposition format. Scrape with an admin key (bearer_token in the scrape config). With several API ' +
      'processes, the whole service: their counters summed, whichever process takes the scrape.',
  })
  @ApiProduces('text/plain')
  async scrape(@Res() res: Response): Promise<void> {
    await this.pipeline.refresh();
    res.setHeader('content-type', this.metrics.registry.contentType);
    if (!this.cluster) {
      res.send(await this.metrics.registry.metrics());
      return;
    }
    // This process's first: the gauges measured at this scrape are the ones kept (`first`).
    const [own, others] = await Promise.all([this.own(), this.cluster.othersMetrics()]);
    res.send(await AggregatorRegistry.aggregate([own, ...(others as ProcessMetrics[])]).metrics());
  }

  private async own(): Promise<ProcessMetrics> {
    const cluster = this.cluster;
    if (cluster) {
      const requests = cluster.requests;
      this.metrics.apiProcessRequests.inc(
        { api_process: String(cluster.apiProcess) },
        requests - this.countedRequests,
      );
      this.countedRequests = requests;
    }
    return this.metrics.registry.getMetricsAsJSON();
  }
}
