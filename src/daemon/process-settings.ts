// keepalived's process knobs for the VRRP process (global_defs vrrp_priority, vrrp_rt_priority,
// vrrp_no_swap, vrrp_cpu_affinity), applied to vipd's one process at start. As keepalived, a knob
// the host refuses (no CAP_SYS_NICE, CAP_IPC_LOCK, an offline CPU) is logged and the daemon runs on.
import { setPriority } from 'node:os';
import type { Logger } from 'pino';
import type { GlobalDefs } from '../config/types.js';
import { lockMemory, setCpuAffinity, setScheduling } from '../os/index.js';

/** What applying the settings needs of the host; the real ones by default (tests hand in recorders). */
export interface ProcessOps {
  nice(n: number): void;
  realtime(priority: number): void;
  lockMemory(): void;
  cpuAffinity(cpus: readonly number[]): void;
}

export const REAL_PROCESS_OPS: ProcessOps = {
  nice: (n) => setPriority(n),
  realtime: (priority) => setScheduling({ policy: 'rr', priority }),
  lockMemory: () => lockMemory(),
  cpuAffinity: (cpus) => setCpuAffinity(cpus),
};

export function applyProcessSettings(g: GlobalDefs, log: Logger, ops: ProcessOps = REAL_PROCESS_OPS): void {
  const steps: Array<[boolean, string, () => void]> = [
    [g.vrrpPriority !== undefined, `vrrp_priority ${g.vrrpPriority}: nice ${g.vrrpPriority}`, () => ops.nice(g.vrrpPriority!)],
    [g.vrrpRtPriority !== undefined, `vrrp_rt_priority ${g.vrrpRtPriority}: SCHED_RR priority ${g.vrrpRtPriority}`, () => ops.realtime(g.vrrpRtPriority!)],
    [g.vrrpNoSwap === true, 'vrrp_no_swap: memory locked', () => ops.lockMemory()],
    [g.vrrpCpuAffinity !== undefined, `vrrp_cpu_affinity: CPUs ${g.vrrpCpuAffinity?.join(' ')}`, () => ops.cpuAffinity(g.vrrpCpuAffinity!)],
  ];
  for (const [given, what, apply] of steps) {
    if (!given) continue;
    try {
      apply();
      log.info(what);
    } catch (err) {
      log.warn(`${what.split(':')[0]}: not applied: ${(err as Error).message}`);
    }
  }
}
