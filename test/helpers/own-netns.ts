// Runs a test file again inside a network namespace of its own (unshare -n): loopback only, and
// the namespace with every link and socket in it is gone when that process exits, on any path.
import type { Test } from 'tap';
import { requireEnv } from './require.js';

const INNER = 'VIPD_OWN_NETNS';

/**
 * In the outer run: spawns `unshare -n node <file>` as a subtest and returns false. In the inner
 * run (inside the namespace): returns true, and the file runs its tests.
 */
export function inOwnNetns(t: Test, file: string, opts: { nodeArgs?: string[]; timeoutMs?: number } = {}): boolean {
  if (process.env[INNER]) return true;
  if (requireEnv(t, { root: true, commands: ['unshare', 'ip'] })) {
    t.spawn('unshare', ['-n', process.execPath, ...(opts.nodeArgs ?? []), file], {
      env: { ...process.env, [INNER]: '1' }, timeout: opts.timeoutMs ?? 60_000,
    }, `${file.replace(/.*\//, '')} in its own network namespace`);
  }
  return false;
}
