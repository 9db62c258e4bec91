/** Plaid request/response schemas, shared by the gateway and the emulator. */
export * from './common';
export * from './account';
export * from './processor';
export * from './identity';
export * from './signal';
export * from './transactions';
export * from './transactions-refresh';
export * from './sandbox';
export * from './webhooks';
export * from './endpoints';
