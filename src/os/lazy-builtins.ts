// Node built-in modules that only some configurations use, loaded on first use instead of at
// start: a VRRP-only daemon never connects TLS (SSL_GET) or reads a FILE_CHECK file, and every
// built-in it loads stays in its RSS (these two and pino's unused parts, scripts/bundle.mjs: 0.6 MB
// of a one-instance daemon's 51). node:child_process is not here: node:net's listen() loads it (through
// node:cluster) for the status socket anyway. A plain require of a built-in works in the ES modules,
// in dist/vipd.cjs and in the single executable (whose require() sees built-ins only).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const tls = (): typeof import('node:tls') => require('node:tls') as typeof import('node:tls');
export const fsPromises = (): typeof import('node:fs/promises') => require('node:fs/promises') as typeof import('node:fs/promises');
