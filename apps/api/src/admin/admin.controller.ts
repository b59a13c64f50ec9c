import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { PipelineLagQuery } from './pipeline-lag.query';

@ApiTags('operations')
@RequiresScope('admin')
@Controller('v1/admin')
export class AdminController {
  constructor(private readonly lag: PipelineLagQuery) {}

  @Get('pipeline')
  @ApiOperation({
    summary: 'Position and lag (events, milliseconds) of the relay and of each projection',
    description:
      'Measured against the head of the event store. lagMs is the age of the oldest event not handled yet.',
  })
  async pipeline() {
    return { stages: await this.lag.stages() };
  }
}
