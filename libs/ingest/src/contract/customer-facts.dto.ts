import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_RESOLUTIONS,
  COMPLAINT_SEVERITIES,
  CONSENT_PURPOSES,
  CONTACT_CHANNELS,
  CONTACT_FREQUENCIES,
  FEEDBACK_CHANNELS,
  FEEDBACK_METRICS,
} from '@crm/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsScoreOnScale } from './common.validators';
import { MoneyDto } from './money.dto';

/** Satisfaction, complaints, consent and preferences: the `data` of the facts issue 13 added. */

export class CustomerFeedbackGivenDataDto {
  @ApiProperty({ enum: FEEDBACK_METRICS, description: 'nps: 0-10 (would you recommend us); csat: 1-5' })
  @IsIn(FEEDBACK_METRICS)
  metric!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10, example: 9, description: 'On the metric scale' })
  @IsInt()
  @Min(0)
  @Max(10)
  @IsScoreOnScale()
  score!: number;

  @ApiProperty({ enum: FEEDBACK_CHANNELS })
  @IsIn(FEEDBACK_CHANNELS)
  channel!: string;

  @ApiProperty({ example: 'nps-2026-q4' })
  @IsString()
  @Length(1, 128)
  surveyId!: string;

  @ApiPropertyOptional({ example: 'o-9911', description: 'The order the answer is about' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  orderId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The contact (its eventId) the answer is about' })
  @IsOptional()
  @IsUUID()
  contactEventId?: string;

  @ApiPropertyOptional({
    example: 'Fast delivery, friendly staff',
    description: 'Free text: personal data, sealed with the customer key and gone after erasure',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class CustomerComplaintOpenedDataDto {
  @ApiProperty({ example: 'cmp-501', description: 'The publisher id of the complaint: opened once' })
  @IsString()
  @Length(1, 128)
  complaintId!: string;

  @ApiProperty({ enum: COMPLAINT_CATEGORIES })
  @IsIn(COMPLAINT_CATEGORIES)
  category!: string;

  @ApiProperty({ enum: COMPLAINT_SEVERITIES })
  @IsIn(COMPLAINT_SEVERITIES)
  severity!: string;

  @ApiProperty({ enum: CONTACT_CHANNELS, description: 'Where the customer complained' })
  @IsIn(CONTACT_CHANNELS)
  channel!: string;

  @ApiPropertyOptional({ example: 'o-9911' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  orderId?: string;
}

export class CustomerComplaintResolvedDataDto {
  @ApiProperty({ example: 'cmp-501', description: 'An opened complaint: resolved once' })
  @IsString()
  @Length(1, 128)
  complaintId!: string;

  @ApiProperty({ enum: COMPLAINT_RESOLUTIONS })
  @IsIn(COMPLAINT_RESOLUTIONS)
  resolution!: string;

  @ApiPropertyOptional({ type: MoneyDto, description: 'What the customer was given back' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  compensation?: MoneyDto;

  @ApiProperty({ description: 'Whether the customer accepted the resolution' })
  @IsDefined()
  @IsBoolean()
  accepted!: boolean;
}

/** Granted or withdrawn: one purpose on one channel. */
export class CustomerConsentDataDto {
  @ApiProperty({ enum: CONTACT_CHANNELS })
  @IsIn(CONTACT_CHANNELS)
  channel!: string;

  @ApiProperty({ enum: CONSENT_PURPOSES })
  @IsIn(CONSENT_PURPOSES)
  purpose!: string;

  @ApiPropertyOptional({ example: 'preference-centre', description: 'Where it was captured (the proof)' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  source?: string;
}

/** BCP 47, the common shapes: `en`, `pt-BR`, `zh-Hant-TW`. */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

export class CustomerPreferencesSetDataDto {
  @ApiPropertyOptional({ enum: CONTACT_CHANNELS })
  @IsOptional()
  @IsIn(CONTACT_CHANNELS)
  preferredChannel?: string;

  @ApiPropertyOptional({ example: 'pt-BR', description: 'BCP 47 language tag', pattern: LANGUAGE_TAG.source })
  @IsOptional()
  @Matches(LANGUAGE_TAG, { message: '$property must be a BCP 47 language tag such as en or pt-BR' })
  language?: string;

  @ApiPropertyOptional({ enum: CONTACT_FREQUENCIES })
  @IsOptional()
  @IsIn(CONTACT_FREQUENCIES)
  contactFrequency?: string;

  @ApiPropertyOptional({ type: [String], example: ['books', 'music'], description: 'Categories of interest' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  categories?: string[];
}
