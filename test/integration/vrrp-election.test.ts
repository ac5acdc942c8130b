// Three vipd routers on a namespace LAN: the highest priority becomes the one master and holds the
// VIP; cutting its link moves the VIP to the next; restoring it brings preemption back.
import t from 'tap';
import { createLan, waitFor, type Lab, type LabNode } from '../helpers/netns-lab.js';
import { jsonLines, type JsonLines } from '../helpers/json-lines.js';
import { requireEnv } from '../helpers/require.js';
import type { InstanceConfig } from '../../src/vrrp/instance.js';

const NODE = 'dist/test/fixtures/vrrp-node.js';

function instance(over: Partial<InstanceConfig>): InstanceConfig {
  return {
    name: 'vi', vrid: 51, version: 3, family: 4, interface: 'eth0', priority: 100, advertIntervalCs: 10,
    preempt: true, preemptDelayMs: 0, acceptMode: true, virtualAddresses: [], garp: { masterDelayMs: 0, masterRepeat: 1 },
    ...over,
  };
}

async function hasAddress(n: LabNode, address: string): Promise<boolean> {
  const r = await n.exec(['ip', '-j', 'addr', 'show', 'dev', 'eth0']);
  return r.stdout.includes(`"${address}"`);
}

function start(n: LabNode, cfgs: InstanceConfig[]): JsonLines {
  return jsonLines(n.spawn(['node', NODE, JSON.stringify(cfgs)]));
}

async function holders(lab: Lab, vip: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of lab.nodes) if (await hasAddress(n, vip)) out.push(n.name);
  return out;
}

t.test('three routers: election, failover on link cut, preemption on restore', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['r1', 'r2', 'r3']);
  const vip = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.100');
  const prio: Record<string, number> = { r1: 150, r2: 120, r3: 100 };
  const procs = new Map<string, JsonLines>();
  for (const n of lab.nodes) {
    procs.set(n.name, start(n, [instance({ priority: prio[n.name]!, virtualAddresses: [{ address: vip, prefixLength: 24 }] })]));
  }
  for (const p of procs.values()) await p.next((l) => l.event === 'ready', 5000);
  await procs.get('r1')!.next((l) => l.event === 'state' && l.state === 'master', 5000);
  await waitFor(async () => (await holders(lab, vip)).join() === 'r1', { timeoutMs: 3000, message: 'VIP only on r1' });
  t.same(await holders(lab, vip), ['r1'], 'exactly one master holds the VIP');

  await lab.node('r1').cut();
  await procs.get('r2')!.next((l) => l.event === 'state' && l.state === 'master', 5000);
  await waitFor(async () => hasAddress(lab.node('r2'), vip), { timeoutMs: 3000 });
  await procs.get('r1')!.next((l) => l.event === 'state' && l.state === 'fault', 5000);
  await waitFor(async () => !(await hasAddress(lab.node('r1'), vip)), { timeoutMs: 3000, message: 'r1 dropped the VIP' });
  t.same(await holders(lab, vip), ['r2'], 'r2 took over');

  await lab.node('r1').restore();
  await waitFor(async () => (await holders(lab, vip)).join() === 'r1', { timeoutMs: 5000, message: 'r1 preempts back' });
  t.same(await holders(lab, vip), ['r1'], 'r1 is master again (preemption)');
});
