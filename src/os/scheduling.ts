// Scheduling policy of the process (keepalived's vrrp_rt_priority: SCHED_RR with a priority, so
// adverts go out on time on a loaded host; SCHED_OTHER to reset).
import { nativeAddon } from '../netif/native.js';
import { SystemError } from '../errors.js';
import { forEachThread } from './threads.js';

/** Linux policies (include/uapi/linux/sched.h). */
export const SCHED_POLICIES = { other: 0, fifo: 1, rr: 2, batch: 3, idle: 5 } as const;
export type SchedulingPolicy = keyof typeof SCHED_POLICIES;
/** Or-ed into the policy: children (and threads created later) start with SCHED_OTHER. */
const SCHED_RESET_ON_FORK = 0x40000000;

export interface Scheduling {
  policy: SchedulingPolicy;
  /** Static priority: 1..99 for fifo/rr, 0 for the others. */
  priority: number;
  /** SCHED_RESET_ON_FORK: processes (and threads) started from here do not inherit the policy. */
  resetOnFork: boolean;
}

function systemError(op: string, err: unknown, policy: SchedulingPolicy): SystemError {
  const e = err as NodeJS.ErrnoException;
  const hint = e.code === 'EPERM' && policy !== 'other' && policy !== 'batch'
    ? 'needs CAP_SYS_NICE (run as root or grant cap_sys_nice), or an RLIMIT_RTPRIO of at least the priority'
    : e.code === 'EINVAL' ? 'priority out of range for the policy (see priorityRange())' : undefined;
  return new SystemError(op, e, hint);
}

/**
 * Sets the policy of every thread of the process (sched_setscheduler(2)). `resetOnFork`
 * (default true) keeps children such as notify and track scripts from inheriting a real-time
 * policy; with it, threads created later start with SCHED_OTHER too. Throws SystemError
 * (syscallCode EPERM without CAP_SYS_NICE) before any thread changed.
 */
export function setScheduling(s: { policy: SchedulingPolicy; priority?: number; resetOnFork?: boolean }): void {
  const native = nativeAddon();
  const priority = s.priority ?? 0;
  const policy = SCHED_POLICIES[s.policy] | ((s.resetOnFork ?? true) ? SCHED_RESET_ON_FORK : 0);
  const op = `sched_setscheduler(${s.policy}, ${priority})`;
  try {
    forEachThread((tid) => native.schedSetscheduler(tid, policy, priority));
  } catch (err) {
    throw systemError(op, err, s.policy);
  }
}

/** The calling thread's policy (sched_getscheduler(2) and sched_getparam(2)). */
export function getScheduling(): Scheduling {
  let raw: [number, number];
  try {
    raw = nativeAddon().schedGetscheduler(0);
  } catch (err) {
    throw new SystemError('sched_getscheduler', err as NodeJS.ErrnoException);
  }
  const [flags, priority] = raw;
  const value = flags & ~SCHED_RESET_ON_FORK;
  const policy = (Object.keys(SCHED_POLICIES) as SchedulingPolicy[]).find((p) => SCHED_POLICIES[p] === value);
  if (!policy) throw new SystemError('sched_getscheduler', Object.assign(new Error(`unknown policy ${value}`), { code: 'EINVAL', errno: 22 }));
  return { policy, priority, resetOnFork: (flags & SCHED_RESET_ON_FORK) !== 0 };
}

/** Valid static priorities of a policy (sched_get_priority_min/max(2)): 1..99 for fifo and rr. */
export function priorityRange(policy: SchedulingPolicy): { min: number; max: number } {
  const native = nativeAddon();
  try {
    return { min: native.schedGetPriorityMin(SCHED_POLICIES[policy]), max: native.schedGetPriorityMax(SCHED_POLICIES[policy]) };
  } catch (err) {
    throw new SystemError(`sched_get_priority_min/max(${policy})`, err as NodeJS.ErrnoException);
  }
}
