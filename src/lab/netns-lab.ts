// A LAN made of network namespaces on the host kernel: one namespace holds a bridge (the switch),
// each node gets its own namespace with an `eth0` veth leg plugged into it. Multicast (VRRP,
// 224.0.0.18 / ff02::12), gratuitous ARP and neighbour advertisements flow like on a real segment.
//
// Everything a lab creates (namespaces, processes, capture files) is removed on every path:
// teardown(), process exit, SIGINT/SIGTERM; namespaces left by a killed (SIGKILL) process are
// reaped by the next createLan. No test framework here: the bench and the demo use it too
// (test/helpers/netns-lab.ts ties a lab to tap's t.teardown).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { which } from './which.js';
import { onCleanup } from './cleanup.js';

/** The repository root (dist/src/lab/ -> ../../..). Spawned processes run here. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ExecResult { stdout: string; stderr: string; code: number }

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
  exec(cmd: string[], opts?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
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

// ---------------------------------------------------------------------------------------------
// Small process utilities

/**
 * The environment for processes a test starts: ours minus tap's bookkeeping (its NODE_OPTIONS
 * --import hook and TAP* variables make every child node slower and write into .tap/).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TAP|_TAPJS)/.test(k)) continue;
    env[k] = v;
  }
  const nodeOptions = (env.NODE_OPTIONS ?? '').split(/\s+/).filter((o) => o && !o.includes('@tapjs')).join(' ');
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  else delete env.NODE_OPTIONS;
  return { ...env, ...extra };
}

/** Runs a command (on the host), collecting output; resolves with the exit code, never rejects on exit status. */
export function run(cmd: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const [file, ...args] = cmd;
    if (!file) return reject(new Error('run: empty command'));
    const child = spawn(file, args, { cwd: opts.cwd ?? repoRoot, env: opts.env ?? childEnv(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString() + (timedOut ? `\n[killed after ${opts.timeoutMs ?? 30_000} ms]` : '');
      resolvePromise({ stdout: Buffer.concat(out).toString(), stderr, code: code ?? 128 + signalNumber(signal) });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run() but rejects with the command's stderr when it exits non-zero. */
export async function runOk(cmd: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, opts);
  if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (osConstants.signals[signal] ?? 1) : 0;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM to the process group, SIGKILL after a grace period. */
export async function stopProcess(child: ChildProcess, graceMs = 1500): Promise<void> {
  if (child.pid === undefined) return;
  if (exited(child)) {
    killGroup(child, 'SIGKILL'); // its group may still hold grandchildren
    return;
  }
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child, 'SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  if ((await Promise.race([gone, timer])) === 'timeout') {
    killGroup(child, 'SIGKILL');
    await Promise.race([gone, new Promise<void>((r) => setTimeout(r, 1000).unref())]);
  }
  killGroup(child, 'SIGKILL');
}

/** Polls fn until it returns a truthy value (or a promise of one); rejects after timeoutMs. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`waitFor: ${opts.message ?? 'condition'} not met within ${timeoutMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---------------------------------------------------------------------------------------------
// Registry of live labs, so an exit or a signal still cleans up.

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

function killNamespacePidsSync(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const p of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone
      }
    }
  } catch {
    // namespace gone
  }
}

/** Namespaces of labs whose creating process is dead (it was SIGKILLed): remove them. */
function reapStaleLabs(): void {
  let list = '';
  try {
    list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^vl(\d+)x\d+-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    killNamespacePidsSync(name);
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // raced with someone else
    }
  }
}

/** Temp dirs named `<prefix><pid>...` whose process is dead (it was SIGKILLed): remove them. */
export function reapStaleDirs(parent: string, prefix: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)/.exec(name.slice(prefix.length))?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------

let labCounter = 0;

export interface LanOptions {
  /** Node names (one namespace each). */
  nodes: string[] | Array<{ name: string }>;
  /** fd00:: addresses on every node (default true). */
  ipv6?: boolean;
}

/**
 * `env` prefix that puts back the caller's NODE_OPTIONS: tap's process tracking re-injects its
 * --import hook into every child it sees spawned, which slows each node child and makes it write
 * into .tap/ (failing for unprivileged users).
 */
export function cleanNodeOptions(): string[] {
  const clean = childEnv().NODE_OPTIONS;
  return clean ? ['env', `NODE_OPTIONS=${clean}`] : ['env', '-u', 'NODE_OPTIONS'];
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

// ---------------------------------------------------------------------------------------------
// Packet capture inside a node namespace.

export interface CapturedPacket {
  /** Seconds since the epoch (with microseconds). */
  time: number;
  /** Link-layer frame (Ethernet) as captured. */
  data: Buffer;
}

export interface Capture {
  /** pcap file written by tcpdump (inside the lab dir). */
  file: string;
  /** Stops tcpdump (flushing the file) and returns the packets. */
  stop(): Promise<CapturedPacket[]>;
  /** After stop(): `tshark -r file -T json` (the array of packets), or undefined without tshark. */
  tshark(extraArgs?: string[]): Promise<unknown[] | undefined>;
}

let captureCounter = 0;

/** Runs `tcpdump -U -w` on the node's eth0 with a BPF filter; resolves once tcpdump is listening. */
export async function capture(lab: Lab, node: LabNode, filter = '', opts: { ifname?: string } = {}): Promise<Capture> {
  if (!which('tcpdump')) throw new Error('capture: tcpdump is missing (apt-get install -y tcpdump)');
  const file = join(lab.dir, `cap${captureCounter++}-${node.name}.pcap`);
  const args = ['tcpdump', '--immediate-mode', '-Z', 'root', '-U', '-n', '-i', opts.ifname ?? node.ifname, '-w', file, ...(filter ? [filter] : [])];
  const child = node.spawn(args);
  let stderr = '';
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 5000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited ${code}: ${stderr}`));
    });
  });
  let stopped: CapturedPacket[] | undefined;
  return {
    file,
    stop: async () => {
      if (stopped) return stopped;
      if (!exited(child)) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGINT'); // tcpdump flushes and closes the file on SIGINT
        await Promise.race([gone, new Promise<void>((r) => setTimeout(r, 3000).unref())]);
        await stopProcess(child);
      }
      stopped = parsePcap(readFileSync(file));
      return stopped;
    },
    tshark: async (extraArgs = []) => {
      if (!which('tshark')) return undefined;
      const r = await run(['tshark', '-r', file, '-T', 'json', ...extraArgs], { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`tshark failed: ${r.stderr}`);
      return JSON.parse(r.stdout || '[]') as unknown[];
    },
  };
}

/** Classic pcap (not pcapng): 24-byte global header, then 16-byte record headers. */
export function parsePcap(b: Buffer): CapturedPacket[] {
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) throw new Error(`not a pcap file (magic ${magic.toString(16)})`);
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: CapturedPacket[] = [];
  let off = 24;
  while (off + 16 <= b.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > b.length) break; // partial last record
    out.push({ time: sec + frac / (nano ? 1e9 : 1e6), data: Buffer.from(b.subarray(off + 16, off + 16 + incl)) });
    off += 16 + incl;
  }
  return out;
}
