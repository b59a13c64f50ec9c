import { IngestModule } from '@crm/ingest';
import { Module } from '@nestjs/common';
import { MarketingSpendController } from './marketing-spend.controller';

/** POST /v1/marketing/spend: marketing costs per campaign, through the one write path. */
@Module({
  imports: [IngestModule],
  controllers: [MarketingSpendController],
})
export class MarketingApiModule {}
