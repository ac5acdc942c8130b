// A second LAN on the nodes of a lab: another bridge in the lab's bridge namespace and an `eth1`
// leg into every node, so an instance per link can be tested (sync groups across two LANs). The
// legs and the bridge live in the lab's namespaces, so the lab's teardown removes them.
import { runOk, waitFor, type Lab, type LabNode } from './netns-lab.js';

export interface SecondLanNode {
  node: LabNode;
  ifname: 'eth1';
  ipv4: string;
  /** Link down on the bridge side: eth1 loses carrier. */
  cut(): Promise<void>;
  restore(): Promise<void>;
}

async function operstate(node: LabNode): Promise<string> {
  const out = JSON.parse(await runOk(['ip', '-n', node.ns, '-j', 'link', 'show', 'dev', 'eth1'])) as Array<{ operstate: string }>;
  return out[0]?.operstate ?? 'UNKNOWN';
}

/** Node i gets 10.251.<lab subnet>.(10+i)/24 on eth1. */
export async function addSecondLan(lab: Lab): Promise<SecondLanNode[]> {
  const bridge = 'br1';
  const subnet = lab.nodes[0]!.ipv4.split('.')[2];
  await runOk(['ip', '-n', lab.bridgeNs, 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0']);
  await runOk(['ip', '-n', lab.bridgeNs, 'link', 'set', bridge, 'up']);
  const out: SecondLanNode[] = [];
  for (const [i, node] of lab.nodes.entries()) {
    const leg = `legb${i}`;
    const ipv4 = `10.251.${subnet}.${10 + i}`;
    await runOk(['ip', '-n', lab.bridgeNs, 'link', 'add', leg, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', node.ns]);
    await runOk(['ip', '-n', lab.bridgeNs, 'link', 'set', leg, 'master', bridge, 'up']);
    await runOk(['ip', '-n', node.ns, 'address', 'add', `${ipv4}/24`, 'dev', 'eth1']);
    await runOk(['ip', '-n', node.ns, 'link', 'set', 'eth1', 'up']);
    const setLeg = async (up: boolean) => {
      await runOk(['ip', '-n', lab.bridgeNs, 'link', 'set', leg, up ? 'up' : 'down']);
      await waitFor(async () => ((await operstate(node)) === 'UP') === up, { timeoutMs: 3000, message: `${node.ns} eth1 carrier ${up ? 'up' : 'down'}` });
    };
    await setLeg(true);
    out.push({ node, ifname: 'eth1', ipv4, cut: () => setLeg(false), restore: () => setLeg(true) });
  }
  return out;
}
