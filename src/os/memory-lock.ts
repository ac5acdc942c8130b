// Memory locking (keepalived's vrrp_no_swap): a swapped-out VRRP process misses adverts.
//
// Two things to know on Node (measured on Node 20):
// - MCL_CURRENT alone faults in every mapping, the node binary and its ICU data included: RSS
//   went from 44 MB to 173 MB. MCL_ONFAULT (our default) locks pages as they are touched, so
//   nothing resident can be swapped out and RSS stays where it was.
// - V8 frees memory with madvise(MADV_DONTNEED), which fails on locked pages, and it aborts on
//   that failure when an isolate is torn down: at a natural exit, or when a worker thread ends.
//   lockMemory() therefore unlocks at 'exit'; do not end worker threads while memory is locked.
import { readFileSync } from 'node:fs';
import { nativeAddon } from '../netif/native.js';
import { SystemError } from '../errors.js';

function hint(code: string | undefined): string | undefined {
  return code === 'EPERM' || code === 'ENOMEM' || code === 'EAGAIN'
    ? 'needs CAP_IPC_LOCK (run as root or grant cap_ipc_lock), or an RLIMIT_MEMLOCK above the process size'
    : undefined;
}

let unlockAtExit = false;

/**
 * mlockall(2) with MCL_CURRENT, MCL_FUTURE unless `future` is false (memory mapped later, like
 * a growing V8 heap, is locked as it comes) and MCL_ONFAULT unless `onFault` is false (lock
 * pages once touched instead of faulting everything in now).
 */
export function lockMemory(opts: { future?: boolean; onFault?: boolean } = {}): void {
  try {
    nativeAddon().mlockall(true, opts.future ?? true, opts.onFault ?? true);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SystemError('mlockall', e, hint(e.code));
  }
  if (!unlockAtExit) {
    unlockAtExit = true;
    process.once('exit', () => {
      try {
        nativeAddon().munlockall();
      } catch {
        // exiting anyway
      }
    });
  }
}

/** munlockall(2) */
export function unlockMemory(): void {
  try {
    nativeAddon().munlockall();
  } catch (err) {
    throw new SystemError('munlockall', err as NodeJS.ErrnoException);
  }
}

/** Bytes of this process's mappings that are locked (VmLck of /proc/self/status; with MCL_ONFAULT not all resident). */
export function lockedMemoryBytes(): number {
  const m = /^VmLck:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
