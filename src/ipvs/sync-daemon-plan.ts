// Which connection sync daemons should run, and the steps from what runs now, keepalived's way
// (observed with keepalived 2.2.7 under strace): the master daemon while the tracked VRRP
// instance is MASTER, the backup daemon otherwise (BACKUP, FAULT, starting up); on a transition
// the daemon of the old role is stopped first, then the other started. Pure.
import { sameSyncDaemon, type SyncDaemon, type SyncDaemonState } from './sync-daemon.js';

/** What lvs_sync_daemon asks for, the role aside. */
export type SyncDaemonSettings = Omit<SyncDaemon, 'state'>;

export type SyncDaemonStep = { kind: 'stop'; state: SyncDaemonState } | { kind: 'start'; daemon: SyncDaemon };

/**
 * The daemons to run: none without settings; with a tracked instance one, by its role; without
 * one, master and backup both (keepalived.conf(5)).
 */
export function wantedSyncDaemons(settings: SyncDaemonSettings | undefined, tracked: { isMaster: boolean } | undefined): SyncDaemon[] {
  if (!settings) return [];
  if (!tracked) return [{ state: 'master', ...settings }, { state: 'backup', ...settings }];
  return [{ state: tracked.isMaster ? 'master' : 'backup', ...settings }];
}

/** Stops first (a daemon no longer wanted, or running with other settings), then starts. */
export function syncDaemonSteps(running: readonly SyncDaemon[], wanted: readonly SyncDaemon[]): SyncDaemonStep[] {
  const stops: SyncDaemonStep[] = [];
  const starts: SyncDaemonStep[] = [];
  for (const r of running) {
    if (!wanted.some((w) => sameSyncDaemon(w, r))) stops.push({ kind: 'stop', state: r.state });
  }
  for (const w of wanted) {
    if (!running.some((r) => sameSyncDaemon(w, r))) starts.push({ kind: 'start', daemon: w });
  }
  return [...stops, ...starts];
}
