// What keepalived writes to a notify FIFO, one line per event (keepalived.conf(5) vrrp_notify_fifo
// and vrrp_sync_group; the same transitions observed on keepalived 2.2.7 and 2.4.3):
//   INSTANCE "VI_1" MASTER 100          a state change (MASTER BACKUP FAULT STOP DELETED), the priority
//   INSTANCE "VI_1" MASTER_PRIORITY 90  the priority changed (notify_priority_changes), in MASTER or not
//   INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100   as master, an advert with a lower priority arrived
//   GROUP "G1" MASTER 0                 a sync group's state change (always priority 0)
// and, on lvs_notify_fifo / notify_fifo, the checkers' view:
//   VS [10.0.0.1]:tcp:80 UP             a virtual server gained (UP) or lost (DOWN) its quorum
//   RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN   a real server of it went down or up
import type { VrrpStateName } from './state-machine.js';

export type InstanceNotice = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED' | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';
export type GroupNotice = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

const STATE: Partial<Record<VrrpStateName, 'MASTER' | 'BACKUP' | 'FAULT'>> = { master: 'MASTER', backup: 'BACKUP', fault: 'FAULT' };

/** The notify name of a state; INITIALIZE has none. */
export function stateNotice(state: VrrpStateName): 'MASTER' | 'BACKUP' | 'FAULT' | undefined {
  return STATE[state];
}

/** A priority change is reported as MASTER_PRIORITY by a master, BACKUP_PRIORITY in any other state. */
export function priorityNotice(state: VrrpStateName): 'MASTER_PRIORITY' | 'BACKUP_PRIORITY' {
  return state === 'master' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY';
}

export function instanceLine(name: string, notice: InstanceNotice, priority: number): string {
  return `INSTANCE "${name}" ${notice} ${priority}\n`;
}

export function groupLine(name: string, notice: GroupNotice): string {
  return `GROUP "${name}" ${notice} 0\n`;
}

/**
 * A virtual server as keepalived prints it, from vipd's service key (`tcp:10.0.0.1:80`,
 * `tcp:[fd00::1]:80`, `fwmark:4:7`): `[10.0.0.1]:tcp:80`, or `FWM 7`.
 */
export function serviceText(serviceKey: string): string {
  const fw = /^fwmark:\d:(\d+)$/.exec(serviceKey);
  if (fw) return `FWM ${fw[1]}`;
  const m = /^(\w+):\[?([^\]]*?)\]?:(\d+)$/.exec(serviceKey);
  return m ? `[${m[2]}]:${m[1]}:${m[3]}` : serviceKey;
}

/** A real server (destination key `10.0.0.2:80` or `[fd00::2]:80`) with its virtual server's protocol. */
export function realServerText(destinationKey: string, serviceKey: string): string {
  const proto = /^(tcp|udp|sctp):/.exec(serviceKey)?.[1] ?? 'tcp';
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(destinationKey);
  return m ? `[${m[1]}]:${proto}:${m[2]}` : destinationKey;
}

export function virtualServerLine(serviceKey: string, up: boolean): string {
  return `VS ${serviceText(serviceKey)} ${up ? 'UP' : 'DOWN'}\n`;
}

export function realServerLine(destinationKey: string, serviceKey: string, up: boolean): string {
  return `RS ${realServerText(destinationKey, serviceKey)} ${serviceText(serviceKey)} ${up ? 'UP' : 'DOWN'}\n`;
}
