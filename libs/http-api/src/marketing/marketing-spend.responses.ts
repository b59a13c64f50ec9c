import { ApiProperty } from '@nestjs/swagger';

/** The recorded (or idempotently replayed) spend, as POST /v1/marketing/spend answers it. */
export class MarketingSpendResultDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'spring-26' }) campaign!: string;
  @ApiProperty({ enum: ['MarketingSpendRecorded'] }) type!: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Revision in the stream campaign-<campaign>' })
  streamRevision!: number;
  @ApiProperty({ pattern: '^[0-9]+$', description: 'A string: positions can exceed 2^53', example: '42' })
  globalPosition!: string;
}

export class MarketingSpendResponseDto {
  @ApiProperty({ type: [MarketingSpendResultDto] }) results!: MarketingSpendResultDto[];
}
