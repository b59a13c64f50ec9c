import {
  ACQUISITION_CHANNELS,
  CHURN_REASONS,
  CONSENT_PURPOSES,
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  CONTACT_PURPOSES,
  GENDERS,
} from '@crm/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CUSTOMER_ID_MESSAGE, CUSTOMER_ID_PATTERN, IsFlatAttributes } from './common.validators';
import { MoneyDto } from './money.dto';

const SHORT = 200;

export class CustomerProfileDto {
  @ApiPropertyOptional({ example: 'Ada Rossi' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  name?: string;

  @ApiPropertyOptional({ example: 'ada@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '+39 02 1234567' })
  @IsOptional()
  @Matches(/^\+?[0-9][0-9 ()-]{4,31}$/, {
    message: '$property must be a phone number such as +39 02 1234567',
  })
  phone?: string;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2', example: 'IT' })
  @IsOptional()
  @IsISO31661Alpha2()
  country?: string;

  @ApiPropertyOptional({ example: 'Milano' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  city?: string;

  @ApiPropertyOptional({ example: 1988 })
  @IsOptional()
  @IsInt()
  @Min(1900)
  @Max(2100)
  birthYear?: number;

  @ApiPropertyOptional({ enum: GENDERS })
  @IsOptional()
  @IsIn(GENDERS)
  gender?: string;

  @ApiPropertyOptional({ example: '50-60k' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  incomeBand?: string;
}

/** One consent: a purpose on a channel. */
export class ConsentScopeDto {
  @ApiProperty({ enum: CONTACT_CHANNELS })
  @IsIn(CONTACT_CHANNELS)
  channel!: string;

  @ApiProperty({ enum: CONSENT_PURPOSES })
  @IsIn(CONSENT_PURPOSES)
  purpose!: string;
}

export class CustomerAcquiredDataDto {
  @ApiProperty({ enum: ACQUISITION_CHANNELS })
  @IsIn(ACQUISITION_CHANNELS)
  channel!: string;

  @ApiPropertyOptional({ example: 'spring-26' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  campaign?: string;

  @ApiPropertyOptional({
    description: 'Customer id of the referrer',
    example: 'c-7',
    pattern: CUSTOMER_ID_PATTERN.source,
  })
  @IsOptional()
  @Matches(CUSTOMER_ID_PATTERN, { message: CUSTOMER_ID_MESSAGE })
  referredBy?: string;

  @ApiPropertyOptional({ type: CustomerProfileDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CustomerProfileDto)
  profile?: CustomerProfileDto;

  @ApiPropertyOptional({ description: 'Free attributes: up to 50 string, number or boolean values' })
  @IsOptional()
  @IsFlatAttributes(50)
  attributes?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({
    type: [ConsentScopeDto],
    description: 'Consents given at sign-up, recorded as CustomerConsentGranted would record them',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CONTACT_CHANNELS.length * CONSENT_PURPOSES.length)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ConsentScopeDto)
  consents?: ConsentScopeDto[];
}

export class CustomerContactedDataDto {
  @ApiProperty({ enum: CONTACT_CHANNELS })
  @IsIn(CONTACT_CHANNELS)
  channel!: string;

  @ApiProperty({ enum: CONTACT_DIRECTIONS })
  @IsIn(CONTACT_DIRECTIONS)
  direction!: string;

  @ApiProperty({ enum: CONTACT_PURPOSES })
  @IsIn(CONTACT_PURPOSES)
  purpose!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  campaign?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  agentId?: string;

  @ApiPropertyOptional({ example: 'opened' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  outcome?: string;

  @ApiPropertyOptional({
    type: MoneyDto,
    description:
      'What serving this contact cost (agent time, postage, fees); absent: the per-channel cost table',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  cost?: MoneyDto;
}

export class LineItemDto {
  @ApiProperty({ example: 'BK-1' })
  @IsString()
  @Length(1, 128)
  sku!: string;

  @ApiProperty({ example: 'books' })
  @IsString()
  @Length(1, 128)
  category!: string;

  @ApiProperty({ example: 1, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(100_000)
  quantity!: number;

  @ApiProperty({ type: MoneyDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  unitPrice!: MoneyDto;
}

export class CustomerPurchasedDataDto {
  @ApiProperty({ example: 'o-9911' })
  @IsString()
  @Length(1, 128)
  orderId!: string;

  @ApiProperty({ type: MoneyDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amount!: MoneyDto;

  @ApiPropertyOptional({ example: 'online' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  channel?: string;

  @ApiPropertyOptional({ type: [LineItemDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  // An item that is itself an array passes ValidateNested: refused here, as every non-object item is.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => LineItemDto)
  items?: LineItemDto[];
}

export class CustomerReferredDataDto {
  @ApiPropertyOptional({ example: 'c-2', pattern: CUSTOMER_ID_PATTERN.source })
  @ValidateIf(
    (o: CustomerReferredDataDto) => o.referralCode === undefined || o.referredCustomerId !== undefined,
  )
  @Matches(CUSTOMER_ID_PATTERN, {
    message: 'referredCustomerId or referralCode is required; ' + CUSTOMER_ID_MESSAGE,
  })
  referredCustomerId?: string;

  @ApiPropertyOptional({ example: 'FRIEND-42' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  referralCode?: string;

  @ApiPropertyOptional({ example: 'link' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  channel?: string;
}

export class CustomerChurnedDataDto {
  @ApiProperty({ enum: CHURN_REASONS })
  @IsIn(CHURN_REASONS)
  reason!: string;

  @ApiProperty()
  @IsBoolean()
  voluntary!: boolean;
}
