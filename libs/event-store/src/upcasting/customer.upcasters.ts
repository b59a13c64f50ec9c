import type { CustomerEventType } from '@crm/domain';
import { customerPurchasedV1ToV2 } from './customer-purchased.v1-to-v2.upcaster';
import { UpcasterChain, type SchemaVersions } from './upcaster';

/**
 * Current schema version of each customer event type: what writers stamp in `metadata.schemaVersion`,
 * and what readers get back from UpcastingEventStore. Bump a type here together with its new upcaster.
 */
export const CUSTOMER_SCHEMA_VERSIONS = Object.freeze({
  CustomerAcquired: 1,
  CustomerContacted: 1,
  CustomerPurchased: 2,
  CustomerReferred: 1,
  CustomerChurned: 1,
  CustomerReactivated: 1,
} as const satisfies SchemaVersions & Record<CustomerEventType, number>);

/** The chain for customer streams; built (and so validated) when this module loads. */
export const customerUpcasters = new UpcasterChain(CUSTOMER_SCHEMA_VERSIONS, [customerPurchasedV1ToV2]);
