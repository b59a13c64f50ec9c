import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One appended (or idempotently replayed) event, as POST /v1/events answers it. */
export class PublishedEventResultDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'c-10042' }) customerId!: string;
  @ApiProperty({
    example: 'CustomerPurchased',
    description: 'Decider-emitted events (CustomerReactivated) too',
  })
  type!: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) streamRevision!: number;
  @ApiProperty({ pattern: '^[0-9]+$', description: 'A string: positions can exceed 2^53', example: '42' })
  globalPosition!: string;
}

export class PublishResponseDto {
  @ApiProperty({ type: [PublishedEventResultDto] }) results!: PublishedEventResultDto[];
}

/** A customer whose events were not appended while others were (207). */
export class PublishFailureDto {
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: 'array', items: { type: 'integer', minimum: 0 }, description: 'Indexes in the batch' })
  indexes!: number[];
  @ApiProperty({ example: 'REVISION_CONFLICT' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: 'integer', minimum: -1 }) actualRevision?: number;
}

export class PartialPublishResponseDto extends PublishResponseDto {
  @ApiProperty({ type: [PublishFailureDto] }) failures!: PublishFailureDto[];
}
