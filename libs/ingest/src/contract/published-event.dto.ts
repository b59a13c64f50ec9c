import { PUBLISHABLE_EVENT_TYPES, PublishableEventType } from '@crm/domain';
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
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
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CUSTOMER_ID_MESSAGE, CUSTOMER_ID_PATTERN } from './common.validators';
import {
  CustomerAcquiredDataDto,
  CustomerChurnedDataDto,
  CustomerContactedDataDto,
  CustomerPurchasedDataDto,
  CustomerReferredDataDto,
} from './event-data.dto';
import {
  CustomerComplaintOpenedDataDto,
  CustomerComplaintResolvedDataDto,
  CustomerConsentDataDto,
  CustomerFeedbackGivenDataDto,
  CustomerPreferencesSetDataDto,
} from './customer-facts.dto';

/** A full date-time with a time zone: a bare date or a local time is ambiguous business time. */
export const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export class EventMetadataDto {
  @ApiPropertyOptional({ description: 'Publishing service', example: 'checkout-service' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  source?: string;

  @ApiPropertyOptional({ example: 'req-77' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  correlationId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  causationId?: string;
}

export abstract class PublishedEventDto {
  @ApiPropertyOptional({ description: 'UUID idempotency key; generated when absent', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  eventId?: string;

  @ApiProperty({ enum: PUBLISHABLE_EVENT_TYPES })
  @IsIn(PUBLISHABLE_EVENT_TYPES)
  type!: PublishableEventType;

  @ApiProperty({ example: 'c-10042', pattern: CUSTOMER_ID_PATTERN.source })
  @IsString()
  @Matches(CUSTOMER_ID_PATTERN, { message: CUSTOMER_ID_MESSAGE })
  customerId!: string;

  @ApiProperty({
    description: 'Business time: ISO 8601 date-time with a zone',
    example: '2026-11-20T14:03:00Z',
    format: 'date-time',
    pattern: DATE_TIME_WITH_ZONE.source,
  })
  @IsString()
  @Matches(DATE_TIME_WITH_ZONE, { message: '$property must be an ISO 8601 date-time with a time zone' })
  @IsISO8601({ strict: true })
  occurredAt!: string;

  @ApiPropertyOptional({
    description:
      'Revision the stream must be at before this event (-1: the customer must not exist yet; 0: only the ' +
      'acquisition is there). Absent: appended whatever the revision is.',
    example: 0,
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

  abstract data: object;
}

const dataField = (cls: new () => object) => (target: object, key: string) => {
  ApiProperty({ type: cls })(target, key);
  IsDefined()(target, key);
  IsObject()(target, key);
  ValidateNested()(target, key);
  Type(() => cls)(target, key);
};

/** In the OpenAPI document each event class admits only its own type, so `type` discriminates the oneOf. */
const typeField = (type: PublishableEventType) => ApiProperty({ enum: [type] });

export class CustomerAcquiredEventDto extends PublishedEventDto {
  @typeField('CustomerAcquired') declare type: 'CustomerAcquired';
  // Only the OpenAPI example differs: an acquisition expects no stream yet (the inherited 0 would conflict).
  @ApiPropertyOptional({ example: -1 })
  declare expectedRevision?: number;

  @dataField(CustomerAcquiredDataDto) data!: CustomerAcquiredDataDto;
}
export class CustomerContactedEventDto extends PublishedEventDto {
  @typeField('CustomerContacted') declare type: 'CustomerContacted';
  @dataField(CustomerContactedDataDto) data!: CustomerContactedDataDto;
}
export class CustomerPurchasedEventDto extends PublishedEventDto {
  @typeField('CustomerPurchased') declare type: 'CustomerPurchased';
  @dataField(CustomerPurchasedDataDto) data!: CustomerPurchasedDataDto;
}
export class CustomerReferredEventDto extends PublishedEventDto {
  @typeField('CustomerReferred') declare type: 'CustomerReferred';
  @dataField(CustomerReferredDataDto) data!: CustomerReferredDataDto;
}
export class CustomerChurnedEventDto extends PublishedEventDto {
  @typeField('CustomerChurned') declare type: 'CustomerChurned';
  @dataField(CustomerChurnedDataDto) data!: CustomerChurnedDataDto;
}

export class CustomerFeedbackGivenEventDto extends PublishedEventDto {
  @typeField('CustomerFeedbackGiven') declare type: 'CustomerFeedbackGiven';
  @dataField(CustomerFeedbackGivenDataDto) data!: CustomerFeedbackGivenDataDto;
}
export class CustomerComplaintOpenedEventDto extends PublishedEventDto {
  @typeField('CustomerComplaintOpened') declare type: 'CustomerComplaintOpened';
  @dataField(CustomerComplaintOpenedDataDto) data!: CustomerComplaintOpenedDataDto;
}
export class CustomerComplaintResolvedEventDto extends PublishedEventDto {
  @typeField('CustomerComplaintResolved') declare type: 'CustomerComplaintResolved';
  @dataField(CustomerComplaintResolvedDataDto) data!: CustomerComplaintResolvedDataDto;
}
export class CustomerConsentGrantedEventDto extends PublishedEventDto {
  @typeField('CustomerConsentGranted') declare type: 'CustomerConsentGranted';
  @dataField(CustomerConsentDataDto) data!: CustomerConsentDataDto;
}
export class CustomerConsentWithdrawnEventDto extends PublishedEventDto {
  @typeField('CustomerConsentWithdrawn') declare type: 'CustomerConsentWithdrawn';
  @dataField(CustomerConsentDataDto) data!: CustomerConsentDataDto;
}
export class CustomerPreferencesSetEventDto extends PublishedEventDto {
  @typeField('CustomerPreferencesSet') declare type: 'CustomerPreferencesSet';
  @dataField(CustomerPreferencesSetDataDto) data!: CustomerPreferencesSetDataDto;
}

/** The discriminator: `type` picks the DTO class that validates the whole event. */
export const EVENT_DTO_BY_TYPE: Record<PublishableEventType, new () => PublishedEventDto> = {
  CustomerAcquired: CustomerAcquiredEventDto,
  CustomerContacted: CustomerContactedEventDto,
  CustomerPurchased: CustomerPurchasedEventDto,
  CustomerReferred: CustomerReferredEventDto,
  CustomerChurned: CustomerChurnedEventDto,
  CustomerFeedbackGiven: CustomerFeedbackGivenEventDto,
  CustomerComplaintOpened: CustomerComplaintOpenedEventDto,
  CustomerComplaintResolved: CustomerComplaintResolvedEventDto,
  CustomerConsentGranted: CustomerConsentGrantedEventDto,
  CustomerConsentWithdrawn: CustomerConsentWithdrawnEventDto,
  CustomerPreferencesSet: CustomerPreferencesSetEventDto,
};

/** One published event in OpenAPI terms: the DTO its `type` names. */
export function publishedEventSchema(): {
  oneOf: { $ref: string }[];
  discriminator: { propertyName: string; mapping: Record<string, string> };
} {
  const refs = Object.entries(EVENT_DTO_BY_TYPE).map(([type, dto]) => [type, getSchemaPath(dto)] as const);
  return {
    oneOf: refs.map(([, $ref]) => ({ $ref })),
    discriminator: { propertyName: 'type', mapping: Object.fromEntries(refs) },
  };
}

export class PublishBatchDto {
  @ApiProperty({
    description: 'Up to 1,000 events, any mix of customers',
    type: 'array',
    minItems: 1,
    items: publishedEventSchema(),
  })
  events!: PublishedEventDto[];
}
