// Three vipd routers on a namespace LAN: the highest priority becomes the one master and holds the
// VIP; cutting its link moves the VIP to the next; restoring it brings preemption back.
import t from 'tap';
import { createLan, run, waitFor, type Lab, type LabNode } from '../helpers/netns-lab.js';
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

t.test('equal priorities: the higher primary address wins, exactly one master', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'bridge'] })) return;
  const lab = await createLan(t, ['e1', 'e2', 'e3']);
  const vip = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.100');
  // A backup accepts an equal-priority advert (RFC 5798 6.4.2), so the tie-break decides only between
  // masters that meet: isolate the bridge ports (carrier stays up) so each router becomes master on
  // its own, then join them.
  const isolate = async (on: boolean) => {
    for (const n of lab.nodes) {
      const r = await run(['ip', 'netns', 'exec', lab.bridgeNs, 'bridge', 'link', 'set', 'dev', n.bridgePort, 'isolated', on ? 'on' : 'off']);
      if (r.code !== 0) throw new Error(`bridge link set isolated: ${r.stderr}`);
    }
  };
  await isolate(true);
  const procs = new Map<string, JsonLines>();
  for (const n of lab.nodes) procs.set(n.name, start(n, [instance({ priority: 100, virtualAddresses: [{ address: vip, prefixLength: 24 }] })]));
  for (const p of procs.values()) await p.next((l) => l.event === 'state' && l.state === 'master', 5000);
  t.same(await holders(lab, vip), ['e1', 'e2', 'e3'], 'isolated, each router is master');
  await isolate(false);
  await waitFor(async () => (await holders(lab, vip)).join() === 'e3', { timeoutMs: 3000, message: 'VIP only on e3' });
  await new Promise((r) => setTimeout(r, 1000)); // ten advert intervals: the result is stable
  t.same(await holders(lab, vip), ['e3'], 'only the highest-address router (e3, .12) holds the VIP');
  const last = (name: string) => procs.get(name)!.lines.filter((l) => l.event === 'state').map((l) => l.state).pop();
  t.same(lab.nodes.map((n) => last(n.name)), ['backup', 'backup', 'master'], 'e1, e2 backup; e3 master');
  const reasons = ['e1', 'e2'].map((n) => procs.get(n)!.lines.filter((l) => l.event === 'state').pop()?.reason);
  t.same(reasons, ['higher-priority', 'higher-priority'], 'e1 and e2 stepped down on an equal-priority, higher-address advert');
});
