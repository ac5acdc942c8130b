// The real-disk KeyFileReader for `file:` keys: the one place auth_hmac touches the filesystem.
// Synchronous, like configuration loading (at start and on SIGHUP).
import { readFileSync, statSync } from 'node:fs';
import type { KeyFileReader } from './keys.js';

export const nodeKeyFileReader: KeyFileReader = {
  read: (path) => readFileSync(path),
  mode: (path) => {
    try {
      return statSync(path).mode;
    } catch {
      return undefined;
    }
  },
};
