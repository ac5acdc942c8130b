// Shared pieces of the VRRP namespace tests: instance configs, the vrrp-node fixture as a process
// with a status command, the inject fixture. VIP holders (addresses.ts) and adverts decoded out
// of a capture (vrrp-adverts.ts) are importable from here too.
import type { ChildProcess } from 'node:child_process';
import type { Lab, LabNode } from './netns-lab.js';
import { jsonLines, type JsonLines } from './json-lines.js';
import type { InstanceConfig, InstanceStatus } from '../../src/vrrp/instance.js';

export { hasAddress, vipHolders as holders } from './addresses.js';
export { sleep } from './sleep.js';
export { vrrpAdverts, type CapturedAdvert } from './vrrp-adverts.js';

export const VRRP_NODE = 'dist/test/fixtures/vrrp-node.js';
export const VRRP_INJECT = 'dist/test/fixtures/vrrp-inject.js';

/** A v3 IPv4 instance with 100 ms adverts (fast tests); override what the test is about. */
export function vrrpInstance(over: Partial<InstanceConfig>): InstanceConfig {
  return {
    name: 'vi', vrid: 51, version: 3, family: 4, interface: 'eth0', priority: 100, advertIntervalCs: 10,
    preempt: true, preemptDelayMs: 0, acceptMode: true, virtualAddresses: [], garp: { masterDelayMs: 0, masterRepeat: 1 },
    ...over,
  };
}

export interface RouterStatus { status: InstanceStatus[]; unknownVrid: number }

export interface VrrpProc {
  node: LabNode;
  child: ChildProcess;
  out: JsonLines;
  /** Asks the fixture for its status (instances, stats, unknown-VRID count). */
  status(): Promise<RouterStatus>;
  /** The status of one instance (the first when no name is given). */
  instance(name?: string): Promise<InstanceStatus>;
  command(c: Record<string, unknown>): void;
  /** State change lines so far, optionally of one instance. */
  states(instance?: string): string[];
  waitState(state: string, timeoutMs?: number, instance?: string): Promise<Record<string, unknown>>;
}

let statusSeq = 0;

export function startVrrpNode(n: LabNode, cfgs: InstanceConfig[]): VrrpProc {
  const child = n.spawn(['node', VRRP_NODE, JSON.stringify(cfgs)]);
  const out = jsonLines(child);
  const command = (c: Record<string, unknown>) => { child.stdin?.write(`${JSON.stringify(c)}\n`); };
  const status = async (): Promise<RouterStatus> => {
    const id = ++statusSeq;
    command({ cmd: 'status', id });
    const l = await out.next((x) => x.event === 'status' && x.id === id, 5000);
    return { status: l.status as InstanceStatus[], unknownVrid: l.unknownVrid as number };
  };
  const isState = (l: Record<string, unknown>, instance?: string) => l.event === 'state' && (instance === undefined || l.instance === instance);
  return {
    node: n, child, out, status, command,
    instance: async (name?: string) => {
      const s = (await status()).status;
      const i = name === undefined ? s[0] : s.find((x) => x.name === name);
      if (!i) throw new Error(`no instance ${name ?? ''} in ${n.name}'s status`);
      return i;
    },
    states: (instance?: string) => out.lines.filter((l) => isState(l, instance)).map((l) => String(l.state)),
    waitState: (state, timeoutMs = 5000, instance?: string) => out.next((l) => isState(l, instance) && l.state === state, timeoutMs),
  };
}

/** An address on the lab's IPv4 / IPv6 subnet with the given last part (e.g. .100 / ::100). */
export function labAddress(lab: Lab, family: 4 | 6, host: number): string {
  const n = lab.nodes[0]!;
  return family === 4 ? n.ipv4.replace(/\.\d+$/, `.${host}`) : n.ipv6.replace(/::\d+$/, `::${host}`);
}

/** Runs the inject fixture in a node; resolves with its JSON result line. */
export async function inject(n: LabNode, spec: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await n.exec(['node', VRRP_INJECT, JSON.stringify(spec)], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`vrrp-inject exited ${r.code}: ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as Record<string, unknown>;
}

/** The usual two-router start: r1 (priority 200) master, then r2 (100) backup, one IPv4 VIP. */
export async function masterAndBackup(lab: Lab): Promise<{ r1: LabNode; r2: LabNode; vip: string; p1: VrrpProc; p2: VrrpProc }> {
  const [r1, r2] = [lab.node('r1'), lab.node('r2')];
  const vip = labAddress(lab, 4, 100);
  const vips = [{ address: vip, prefixLength: 24 }];
  const p1 = startVrrpNode(r1, [vrrpInstance({ priority: 200, virtualAddresses: vips })]);
  await p1.waitState('master');
  const p2 = startVrrpNode(r2, [vrrpInstance({ priority: 100, virtualAddresses: vips })]);
  await p2.waitState('backup');
  return { r1, r2, vip, p1, p2 };
}
