import { parseConsentPolicy } from '@crm/domain';
import {
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  type ValidationArguments,
} from 'class-validator';

/** CONSENT_POLICY: `channel:opt-in|opt-out` pairs separated by commas; unnamed channels keep the default. */
@ValidatorConstraint({ name: 'consentPolicy' })
export class ConsentPolicyConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && !('error' in parseConsentPolicy(value));
  }

  defaultMessage(args: ValidationArguments): string {
    const parsed = typeof args.value === 'string' ? parseConsentPolicy(args.value) : { error: 'not text' };
    const reason = 'error' in parsed ? parsed.error : '';
    return `CONSENT_POLICY must be channel:opt-in|opt-out pairs such as email:opt-in,phone:opt-out: ${reason}`;
  }
}
