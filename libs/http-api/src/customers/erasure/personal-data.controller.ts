import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { ErasePersonalDataService, type ErasureResponse } from './erase-personal-data.service';

/** Right to erasure (GDPR art. 17): an administrator's action, never a published fact. */
@ApiTags('customers')
@Controller('v1/customers')
export class PersonalDataController {
  constructor(private readonly erasure: ErasePersonalDataService) {}

  @Delete(':customerId/personal-data')
  @RequiresScope('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Erase a customer's personal data (name, email, phone, city) by destroying their data key; " +
      'counts, amounts and segments stay. Idempotent.',
  })
  @ApiParam({ name: 'customerId', example: 'c-10042' })
  @ApiResponse({ status: 200, description: 'Erased (erasedNow false: it already was)' })
  @ApiResponse({ status: 404, description: 'CUSTOMER_NOT_FOUND' })
  erase(@Param('customerId') customerId: string): Promise<ErasureResponse> {
    return this.erasure.erase(customerId);
  }
}
