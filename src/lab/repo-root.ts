// The repository root (dist/src/lab/ -> ../../..): where lab processes run and fixtures live.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
