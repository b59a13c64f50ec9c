import { CUSTOMER_SCHEMA_VERSIONS } from '@crm/domain';
import { customerPurchasedV1ToV2 } from './customer-purchased.v1-to-v2.upcaster';
import { UpcasterChain } from './upcaster';

/**
 * The table lives in the domain's event catalog (writers stamp from it); re-exported here, where the
 * upcasters that make it true are.
 */
export { CUSTOMER_SCHEMA_VERSIONS };

/** The chain for customer streams; built (and so validated) when this module loads. */
export const customerUpcasters = new UpcasterChain(CUSTOMER_SCHEMA_VERSIONS, [customerPurchasedV1ToV2]);
