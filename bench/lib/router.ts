// A VRRP router process in a lab namespace: vipd or keepalived from the same keepalived.conf, or
// FRR's vrrpd from the same instances. State changes are read from its log lines and stamped with
// their arrival time (the same method for every implementation: keepalived's and FRR's console
// timestamps have 1 s resolution).
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFrrStateLine, startFrr, type FrrRouter, type FrrVrrpInstance } from '../../src/lab/frr.js';
import type { LabNode } from '../../src/lab/netns-lab.js';
import { stopProcess } from '../../src/lab/netns-lab.js';
import { nowMs } from './prober.js';

export type Impl = 'vipd' | 'keepalived' | 'frr';
export const IMPLS: Impl[] = ['vipd', 'keepalived', 'frr'];

export interface StateEvent { time: number; instance: string; state: string }

export interface RouterProc {
  impl: Impl;
  node: LabNode;
  /** The daemon process (FRR: vrrpd). */
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

function vipdState(line: string): { instance: string; state: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const j = JSON.parse(line) as Record<string, unknown>;
    if (typeof j.state === 'string' && typeof j.instance === 'string' && typeof j.previous === 'string') return { instance: j.instance, state: j.state.toLowerCase() };
  } catch {
    // not JSON after all
  }
  return undefined;
}

function keepalivedState(line: string): { instance: string; state: string } | undefined {
  const m = KEEPALIVED_STATE.exec(line);
  return m ? { instance: m[1]!, state: m[2]!.toLowerCase() } : undefined;
}

/** Reads a daemon's output lines into state events. */
function track(impl: Impl, node: LabNode, child: ChildProcess, parse: (line: string) => { instance: string; state: string } | undefined): RouterProc {
  const events: StateEvent[] = [];
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  const onLine = (line: string) => {
    const t = nowMs();
    lines.push(line);
    if (lines.length > 200) lines.shift();
    const ev = parse(line);
    if (ev) {
      events.push({ time: t, ...ev });
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

/** The command line of vipd / keepalived on a keepalived.conf (keepalived: VRRP only, pid files in runDir). */
export function routerCommand(impl: 'vipd' | 'keepalived', node: string, confFile: string, runDir: string): string[] {
  return impl === 'vipd'
    ? ['node', 'bin/vipd.js', '--dont-fork', '--use-file', confFile, '--no-syslog', '--log-console', '--log-json',
      '--status-socket', join(runDir, `vipd-${node}.sock`)]
    : ['keepalived', '--dont-fork', '--use-file', confFile, '--no-syslog', '--log-console', '--vrrp',
      '-p', join(runDir, `ka-${node}.pid`), '-r', join(runDir, `ka-vrrp-${node}.pid`), '-c', join(runDir, `ka-chk-${node}.pid`)];
}

export function startRouter(impl: 'vipd' | 'keepalived', node: LabNode, confFile: string, runDir: string): RouterProc {
  const child = node.spawn(routerCommand(impl, node.name, confFile, runDir));
  return track(impl, node, child, impl === 'vipd' ? vipdState : keepalivedState);
}

/** An FRR instance with the name the bench knows it by (keepalived's vrrp_instance name). */
export interface NamedFrrInstance extends FrrVrrpInstance { name: string }

/**
 * FRR on a node: the first call prepares the node and starts zebra and vrrpd; with `reuse` (the
 * FrrRouter of an earlier call on the same node) only vrrpd starts again.
 */
export async function startFrrRouter(node: LabNode, instances: NamedFrrInstance[], reuse?: FrrRouter): Promise<{ proc: RouterProc; frr: FrrRouter }> {
  const names = new Map(instances.map((i) => [i.vrid, i.name]));
  const parse = (line: string) => {
    const s = parseFrrStateLine(line);
    return s && s.family === 4 ? { instance: names.get(s.vrid) ?? `VRID ${s.vrid}`, state: s.to } : undefined;
  };
  const frr = reuse ?? await startFrr(node, instances);
  return { proc: track('frr', node, frr.startVrrpd(), parse), frr };
}

/** The daemon's own processes: vipd is one node process; keepalived its parent plus its VRRP child; FRR vrrpd (zebra apart). */
export function daemonPids(p: RouterProc, runDir: string): number[] {
  const pids = p.child.pid !== undefined ? [p.child.pid] : [];
  if (p.impl === 'keepalived') {
    try {
      const vrrp = Number(readFileSync(join(runDir, `ka-vrrp-${p.node.name}.pid`), 'utf8').trim());
      if (vrrp) pids.push(vrrp);
    } catch {
      // not written yet
    }
  }
  return pids;
}
