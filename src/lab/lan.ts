// A LAN made of network namespaces on the host kernel: one namespace holds a bridge (the switch),
// each node gets its own namespace with an `eth0` veth leg plugged into it. Multicast (VRRP,
// 224.0.0.18 / ff02::12), gratuitous ARP and neighbour advertisements flow like on a real segment.
// Everything a lab creates is removed by teardown(), at process exit or SIGINT/SIGTERM (the
// cleanup registry), or by the next createLan when its creator was SIGKILLed (stale.ts).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from './which.js';
import { onCleanup } from './cleanup.js';
import { repoRoot } from './repo-root.js';
import { childEnv, cleanNodeOptions, killGroup, run, runOk, stopProcess, waitFor, type ExecResult } from './process.js';
import { killNamespacePidsSync, reapStaleDirs, reapStaleLabs } from './stale.js';

export interface LabNode {
  name: string;
  /** Network namespace name (`ip netns exec <ns>`). */
  ns: string;
  /** Interface in the node namespace: 'eth0'. */
  ifname: string;
  ifindex: number;
  mac: string;
  ipv4: string;
  /** fd00:: ULA address. */
  ipv6: string;
  /** fe80:: address of eth0. */
  linkLocal: string;
  /** Prefix lengths of ipv4 / ipv6 (24 / 64). */
  prefix4: number;
  prefix6: number;
  /** The veth end plugged into the bridge (in the bridge namespace). */
  bridgePort: string;
  /** Runs a command inside the namespace; never rejects for a non-zero exit, returns the code. */
  exec(cmd: string[], opts?: { input?: string; timeoutMs?: number; cwd?: string }): Promise<ExecResult>;
  /** Starts a long-running process inside the namespace (own process group); killed at teardown. */
  spawn(cmd: string[], opts?: { env?: Record<string, string>; cwd?: string }): ChildProcess;
  /** Link down on the bridge side, like pulling the cable: eth0 loses carrier. */
  cut(): Promise<void>;
  restore(): Promise<void>;
}

export interface Lab {
  id: string;
  bridgeNs: string;
  /** Bridge device in bridgeNs. */
  bridge: string;
  nodes: LabNode[];
  node(name: string): LabNode;
  /** Temp directory of this lab (captures); removed at teardown. */
  dir: string;
  teardown(): Promise<void>;
}

// Live labs, so an exit or a signal still cleans up.
interface LabState {
  namespaces: string[];
  processes: Set<ChildProcess>;
  dir: string;
  done: boolean;
  unregister?: () => void;
}

function cleanupSync(state: LabState): void {
  if (state.done) return;
  state.done = true;
  state.unregister?.();
  for (const p of state.processes) killGroup(p, 'SIGKILL');
  for (const ns of [...state.namespaces].reverse()) {
    killNamespacePidsSync(ns);
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  rmSync(state.dir, { recursive: true, force: true });
}

let labCounter = 0;

export interface LanOptions {
  /** Node names (one namespace each). */
  nodes: string[] | Array<{ name: string }>;
  /** fd00:: addresses on every node (default true). */
  ipv6?: boolean;
}

function nsExec(ns: string, cmd: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...cleanNodeOptions(), ...cmd];
}

/**
 * A LAN: a bridge in its own namespace, veth legs into one namespace per node; node i gets
 * 10.<x>.<y>.(10+i)/24 and fd00:<x>:<y>::(10+i)/64, lo up, DAD off. Removed by lab.teardown(),
 * and at the latest at process exit or SIGINT/SIGTERM.
 */
export async function createLan(opts: LanOptions): Promise<Lab> {
  const nodes = opts.nodes;
  if (!which('ip')) throw new Error('createLan: the "ip" command is missing (apt-get install -y iproute2)');
  reapStaleLabs();
  reapStaleDirs(tmpdir(), 'vipd-lab-');
  const names = nodes.map((n) => (typeof n === 'string' ? n : n.name));
  if (new Set(names).size !== names.length) throw new Error(`createLan: duplicate node names ${names.join(',')}`);
  const seq = labCounter++;
  const id = `${process.pid}x${seq}`;
  // Subnet digits: readable in captures, different per lab of one process.
  const x = 100 + (process.pid % 100);
  const y = 1 + (seq % 250);
  const state: LabState = { namespaces: [], processes: new Set(), dir: mkdtempSync(join(tmpdir(), `vipd-lab-${id}-`)), done: false };
  state.unregister = onCleanup(() => cleanupSync(state));
  const teardown = async (): Promise<void> => {
    if (state.done) return;
    await Promise.all([...state.processes].map((p) => stopProcess(p)));
    cleanupSync(state);
  };
  const bridgeNs = `vl${id}-br`;
  const bridge = 'br0';
  try {
    await runOk(['ip', 'netns', 'add', bridgeNs]);
    state.namespaces.push(bridgeNs);
    // The switch namespace speaks no IPv6 itself: keeps captures free of its MLD/RS noise.
    await runOk(nsExec(bridgeNs, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']));
    await runOk(['ip', '-n', bridgeNs, '-batch', '-'], {
      input: [
        'link set lo up',
        // No STP (ports forward at once), no multicast snooping (every group floods like on a dumb switch).
        `link add ${bridge} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`,
        `link set ${bridge} up`,
      ].join('\n') + '\n',
    });

    const labNodes: LabNode[] = [];
    for (const [i, name] of names.entries()) {
      const ns = `vl${id}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
      const host = 10 + i;
      const ipv4 = `10.${x}.${y}.${host}`;
      const ipv6 = `fd00:${x}:${y}::${host}`;
      const mac = `02:${hex(x)}:${hex(y)}:00:00:${hex(host)}`;
      const bridgePort = `leg${i}`;
      await runOk(['ip', 'netns', 'add', ns]);
      state.namespaces.push(ns);
      // DAD off before the link exists, so every address (link-local too) is usable at once.
      await runOk(nsExec(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']));
      await runOk(['ip', '-n', bridgeNs, 'link', 'add', bridgePort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await runOk(['ip', '-n', bridgeNs, 'link', 'set', bridgePort, 'master', bridge, 'up']);
      const cmds = ['link set lo up', `link set eth0 address ${mac}`, `address add ${ipv4}/24 dev eth0`];
      if (opts.ipv6 !== false) cmds.push(`address add ${ipv6}/64 dev eth0 nodad`);
      cmds.push('link set eth0 up');
      await runOk(['ip', '-n', ns, '-batch', '-'], { input: cmds.join('\n') + '\n' });

      const info = await waitFor(async () => {
        const out = JSON.parse(await runOk(['ip', '-n', ns, '-j', 'address', 'show', 'dev', 'eth0'])) as IpAddrJson[];
        const link = out[0];
        if (!link) return undefined;
        const ll = link.addr_info.find((a) => a.family === 'inet6' && a.scope === 'link' && !a.tentative);
        if (opts.ipv6 !== false && !ll) return undefined;
        return { ifindex: link.ifindex, mac: link.address, linkLocal: ll?.local ?? '' };
      }, { timeoutMs: 5000, message: `${ns} eth0 up with an IPv6 link-local address` });

      const node: LabNode = {
        name, ns, ifname: 'eth0', ifindex: info.ifindex, mac: info.mac, ipv4, ipv6, linkLocal: info.linkLocal,
        prefix4: 24, prefix6: 64, bridgePort,
        exec: (cmd, o = {}) => run(nsExec(ns, cmd), o),
        spawn: (cmd, o = {}) => {
          const child = spawn('ip', nsExec(ns, cmd).slice(1), {
            cwd: o.cwd ?? repoRoot,
            env: childEnv(o.env),
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true, // its own process group: teardown kills the whole tree
          });
          state.processes.add(child);
          child.on('error', () => undefined);
          return child;
        },
        cut: async () => {
          await runOk(['ip', '-n', bridgeNs, 'link', 'set', bridgePort, 'down']);
          await waitFor(async () => (await operstate(ns)) !== 'UP', { timeoutMs: 3000, message: `${ns} eth0 carrier down` });
        },
        restore: async () => {
          await runOk(['ip', '-n', bridgeNs, 'link', 'set', bridgePort, 'up']);
          await waitFor(async () => (await operstate(ns)) === 'UP', { timeoutMs: 3000, message: `${ns} eth0 carrier up` });
        },
      };
      labNodes.push(node);
    }

    return {
      id, bridgeNs, bridge, nodes: labNodes, dir: state.dir, teardown,
      node: (name: string) => {
        const n = labNodes.find((l) => l.name === name);
        if (!n) throw new Error(`lab ${id} has no node "${name}" (nodes: ${names.join(', ')})`);
        return n;
      },
    };
  } catch (e) {
    await teardown();
    throw e;
  }
}

interface IpAddrJson {
  ifindex: number;
  ifname: string;
  address: string;
  operstate: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number; scope: string; tentative?: boolean }>;
}

async function operstate(ns: string): Promise<string> {
  const out = JSON.parse(await runOk(['ip', '-n', ns, '-j', 'link', 'show', 'dev', 'eth0'])) as IpAddrJson[];
  return out[0]?.operstate ?? 'UNKNOWN';
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}


