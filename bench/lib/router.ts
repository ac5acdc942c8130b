// A VRRP router process in a lab namespace: vipd or keepalived from the same keepalived.conf.
// State changes are read from its log lines and stamped with their arrival time (the same
// method for both implementations: keepalived's console timestamps have 1 s resolution).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LabNode } from '../../src/lab/netns-lab.js';
import { stopProcess } from '../../src/lab/netns-lab.js';
import { nowMs } from './prober.js';

export type Impl = 'vipd' | 'keepalived';

export interface StateEvent { time: number; instance: string; state: string }

export interface RouterProc {
  impl: Impl;
  node: LabNode;
  child: ChildProcess;
  /** Every state change seen so far, in order. */
  events: StateEvent[];
  /** Last lines of output (diagnostics). */
  tail(): string;
  /** The current state of an instance (last event), or 'unknown'. */
  state(instance?: string): string;
  /** Resolves with the first event (after `since`) entering `state`. */
  waitState(state: string, opts?: { since?: number; timeoutMs?: number; instance?: string }): Promise<StateEvent>;
  /** SIGTERM (graceful: priority-0 adverts) and wait for the exit. */
  stop(): Promise<void>;
  readonly exited: boolean;
}

const KEEPALIVED_STATE = /\(([^)]+)\) Entering (MASTER|BACKUP|FAULT) STATE/;

export function startRouter(impl: Impl, node: LabNode, confFile: string, runDir: string): RouterProc {
  const cmd = impl === 'vipd'
    ? ['node', 'bin/vipd.js', '--dont-fork', '--use-file', confFile, '--no-syslog', '--log-console', '--log-json',
      '--status-socket', join(runDir, `vipd-${node.name}.sock`)]
    : ['keepalived', '--dont-fork', '--use-file', confFile, '--no-syslog', '--log-console', '--vrrp',
      '-p', join(runDir, `ka-${node.name}.pid`), '-r', join(runDir, `ka-vrrp-${node.name}.pid`), '-c', join(runDir, `ka-chk-${node.name}.pid`)];
  const child = node.spawn(cmd);
  const events: StateEvent[] = [];
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  const onLine = (line: string) => {
    const t = nowMs();
    lines.push(line);
    if (lines.length > 200) lines.shift();
    let ev: StateEvent | undefined;
    if (line.startsWith('{')) {
      try {
        const j = JSON.parse(line) as Record<string, unknown>;
        if (typeof j.state === 'string' && typeof j.instance === 'string' && typeof j.previous === 'string') {
          ev = { time: t, instance: j.instance, state: j.state.toLowerCase() };
        }
      } catch {
        // not JSON after all
      }
    } else {
      const m = KEEPALIVED_STATE.exec(line);
      if (m) ev = { time: t, instance: m[1]!, state: m[2]!.toLowerCase() };
    }
    if (ev) {
      events.push(ev);
      for (const w of [...waiters]) w();
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
  }
  child.on('exit', () => {
    exited = true;
    for (const w of [...waiters]) w();
  });
  const state = (instance?: string) => {
    for (let i = events.length - 1; i >= 0; i--) if (instance === undefined || events[i]!.instance === instance) return events[i]!.state;
    return 'unknown';
  };
  return {
    impl, node, child, events,
    get exited() { return exited; },
    tail: () => lines.slice(-15).join('\n'),
    state,
    waitState: (want, o = {}) => new Promise((resolve, reject) => {
      const since = o.since ?? 0;
      const check = () => {
        const ev = events.find((e) => e.time >= since && e.state === want && (o.instance === undefined || e.instance === o.instance));
        if (ev) {
          done();
          resolve(ev);
        } else if (exited) {
          done();
          reject(new Error(`${impl} on ${node.name} exited while waiting for ${want}:\n${lines.slice(-15).join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${impl} on ${node.name}: no ${want} within ${o.timeoutMs ?? 10_000} ms (state ${state(o.instance)})`));
      }, o.timeoutMs ?? 10_000);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    }),
    stop: () => stopProcess(child, 5000),
  };
}
