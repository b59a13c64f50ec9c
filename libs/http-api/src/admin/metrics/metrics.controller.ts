import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { CrmMetrics } from './crm.metrics';
import { PipelineMetrics } from './pipeline.metrics';

@ApiTags('operations')
@RequiresScope('admin')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: CrmMetrics,
    private readonly pipeline: PipelineMetrics,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics: append latency and batch sizes, relay and projector lag, rebuilds, dead letters',
    description: 'Text exposition format. Scrape with an admin key (bearer_token in the scrape config).',
  })
  @ApiProduces('text/plain')
  async scrape(@Res() res: Response): Promise<void> {
    await this.pipeline.refresh();
    res.setHeader('content-type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
