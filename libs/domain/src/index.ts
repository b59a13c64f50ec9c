export * from './money';
export * from './customer-events';
export * from './customer-commands';
export * from './customer.decider';
export * from './domain-errors';
export * from './event-id';
export * from './purchase.rules';
export * from './marketing-events';
