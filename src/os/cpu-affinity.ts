// CPU affinity of the process (keepalived's vrrp_cpu_affinity: a list of CPU numbers).
import { nativeAddon } from '../netif/native.js';
import { SystemError } from '../errors.js';
import { forEachThread } from './threads.js';

/**
 * Pins every thread of the process to these CPUs (sched_setaffinity(2)); processes started later
 * inherit it. Throws SystemError (EINVAL when none of them is online) before any thread changed.
 */
export function setCpuAffinity(cpus: readonly number[]): void {
  const op = `sched_setaffinity(${cpus.join(',')})`;
  if (cpus.length === 0 || cpus.some((c) => !Number.isInteger(c) || c < 0)) {
    throw new SystemError(op, Object.assign(new Error('expected a non-empty list of CPU numbers'), { code: 'EINVAL', errno: 22 }));
  }
  const native = nativeAddon();
  try {
    forEachThread((tid) => native.schedSetaffinity(tid, cpus));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SystemError(op, e, e.code === 'EINVAL' ? 'none of these CPUs is online or allowed (see /sys/devices/system/cpu/online)' : undefined);
  }
}

/** CPUs the calling thread may run on, ascending (sched_getaffinity(2)). */
export function getCpuAffinity(): number[] {
  try {
    return nativeAddon().schedGetaffinity(0);
  } catch (err) {
    throw new SystemError('sched_getaffinity', err as NodeJS.ErrnoException);
  }
}
