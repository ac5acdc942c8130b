// Netlink codec and connection: the pieces genetlink.ts, rtnetlink.ts and src/ipvs build on.
export * from './align.js';
export * from './constants.js';
export * from './attributes.js';
export * from './message.js';
export * from './errors.js';
export * from './transport.js';
export * from './conn.js';
