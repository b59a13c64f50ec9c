import { MAX_MINOR_UNITS } from '@crm/domain';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsCurrencyCode } from './common.validators';

export class MoneyDto {
  @ApiProperty({ description: 'Integer amount in minor units (cents)', example: 2599, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_MINOR_UNITS)
  minor!: number;

  @ApiProperty({ description: 'ISO 4217 currency code', example: 'EUR' })
  @IsCurrencyCode()
  currency!: string;
}
