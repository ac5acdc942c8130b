// Process-level settings keepalived exposes as global_defs: scheduling, memory locking, CPU affinity.
export { setScheduling, getScheduling, priorityRange, SCHED_POLICIES, type Scheduling, type SchedulingPolicy } from './scheduling.js';
export { lockMemory, unlockMemory, lockedMemoryBytes } from './memory-lock.js';
export { setCpuAffinity, getCpuAffinity } from './cpu-affinity.js';
