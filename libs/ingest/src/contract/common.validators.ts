import {
  FEEDBACK_SCALES,
  isCurrencyCode,
  scoreOutOfScale,
  type CustomerFeedbackGivenData,
} from '@crm/domain';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/** Customer ids become stream names: keep them printable and bounded. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const CUSTOMER_ID_MESSAGE = '$property must be 1-128 characters of letters, digits and . _ : @ -';

export function IsCurrencyCode(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isCurrencyCode',
      target: target.constructor,
      propertyName,
      options: { message: '$property must be an ISO 4217 currency code such as EUR', ...options },
      validator: { validate: (value: unknown) => isCurrencyCode(value) },
    });
}

/** A flat map of at most `maxKeys` string, number or boolean values (free customer attributes). */
export function IsFlatAttributes(maxKeys: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isFlatAttributes',
      target: target.constructor,
      propertyName,
      options: {
        message: `$property must be an object of at most ${maxKeys} keys (up to 64 characters) whose values are strings (up to 500 characters), finite numbers or booleans`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= maxKeys &&
            entries.every(
              ([key, v]) =>
                key.length > 0 &&
                key.length <= 64 &&
                ((typeof v === 'string' && v.length <= 500) ||
                  (typeof v === 'number' && Number.isFinite(v)) ||
                  typeof v === 'boolean'),
            )
          );
        },
      },
    });
}

/** A feedback score on its metric's scale (NPS 0-10, CSAT 1-5), integer: the decider's rule, scoreOutOfScale. */
export function IsScoreOnScale(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isScoreOnScale',
      target: target.constructor,
      propertyName,
      options: {
        message: '$property must be an integer on the metric scale (nps 0-10, csat 1-5)',
        ...options,
      },
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const metric = (args?.object as { metric?: unknown } | undefined)?.metric;
          // An unknown metric is the metric's own error.
          if (typeof metric !== 'string' || !Object.hasOwn(FEEDBACK_SCALES, metric)) return true;
          return scoreOutOfScale({ metric, score: value } as CustomerFeedbackGivenData) === undefined;
        },
      },
    });
}
