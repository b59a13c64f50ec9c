import { ACQUISITION_CHANNELS } from '@crm/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { CUSTOMER_ID_MESSAGE, CUSTOMER_ID_PATTERN } from './common.validators';
import { MoneyDto } from './money.dto';
import { DATE_TIME_WITH_ZONE, EventMetadataDto } from './published-event.dto';

/** Campaign names become stream names (`campaign-<campaign>`): printable and bounded, as customer ids are. */
export const CAMPAIGN_PATTERN = CUSTOMER_ID_PATTERN;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MESSAGE = '$property must be a day YYYY-MM-DD';

export class MarketingSpendDataDto {
  @ApiProperty({
    example: 'spring-26',
    pattern: CAMPAIGN_PATTERN.source,
    description: 'The campaign, as the acquisitions name it (CustomerAcquired.data.campaign)',
  })
  @IsString()
  @Matches(CAMPAIGN_PATTERN, { message: CUSTOMER_ID_MESSAGE })
  campaign!: string;

  @ApiProperty({ enum: ACQUISITION_CHANNELS, description: 'The acquisition channel the money was spent on' })
  @IsIn(ACQUISITION_CHANNELS)
  channel!: string;

  @ApiProperty({ example: '2026-03-01', format: 'date', description: 'First day covered (UTC)' })
  @Matches(DAY, { message: DAY_MESSAGE })
  @IsISO8601({ strict: true })
  periodStart!: string;

  @ApiProperty({ example: '2026-03-31', format: 'date', description: 'Last day covered, inclusive' })
  @Matches(DAY, { message: DAY_MESSAGE })
  @IsISO8601({ strict: true })
  periodEnd!: string;

  @ApiProperty({ type: MoneyDto, description: 'A positive amount' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amount!: MoneyDto;
}

/** POST /v1/marketing/spend: one MarketingSpendRecorded, appended to the stream `campaign-<campaign>`. */
export class MarketingSpendDto {
  @ApiPropertyOptional({ description: 'UUID idempotency key; generated when absent', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  eventId?: string;

  @ApiProperty({
    description: 'When the spend was booked: ISO 8601 date-time with a zone',
    example: '2026-04-01T08:00:00Z',
    format: 'date-time',
    pattern: DATE_TIME_WITH_ZONE.source,
  })
  @IsString()
  @Matches(DATE_TIME_WITH_ZONE, { message: '$property must be an ISO 8601 date-time with a time zone' })
  @IsISO8601({ strict: true })
  occurredAt!: string;

  @ApiPropertyOptional({
    description: 'Revision the campaign stream must be at (-1: no spend recorded yet). Absent: any.',
    example: -1,
  })
  @IsOptional()
  @IsInt()
  @Min(-1)
  @Max(Number.MAX_SAFE_INTEGER)
  expectedRevision?: number;

  @ApiPropertyOptional({ type: EventMetadataDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EventMetadataDto)
  metadata?: EventMetadataDto;

  @ApiProperty({ type: MarketingSpendDataDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MarketingSpendDataDto)
  data!: MarketingSpendDataDto;
}
