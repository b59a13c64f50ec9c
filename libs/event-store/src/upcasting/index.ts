export * from './upcasting.errors';
export * from './upcaster';
export { UpcastingEventStore } from './upcasting.event-store';
export { majorToMinorUnits, minorUnitExponent } from './minor-units.conversion';
export { customerPurchasedV1ToV2 } from './customer-purchased.v1-to-v2.upcaster';
export { CUSTOMER_SCHEMA_VERSIONS, customerUpcasters } from './customer.upcasters';
