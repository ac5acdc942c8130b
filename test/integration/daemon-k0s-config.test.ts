// `vipd --k0s-config k0s.yaml`: the VRRP part on the host (dummyvip0 and IPVS need the UML kernel:
// test/integration/daemon-uml.test.ts). k0s's defaults resolve against the node: no `interface`
// = the NIC of the default route, a MAC = the link that has it; VRIDs 51 + index.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cleanNodeOptions, createLan, run, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { startVipd, vipHolders, sleep, VIPD, type VipdProc } from '../helpers/daemon-lab.js';

t.test('k0s ClusterConfig: default-route NIC, MAC interface, two instances', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['y1', 'y2']);
  const vipA = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.150');
  const vipB = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.151');
  const gw = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.1');
  const procs: VipdProc[] = [];
  const yamlOf = (n: LabNode) => `# k0s ClusterConfig (docs: cplb.md)
apiVersion: k0s.k0sproject.io/v1beta1
kind: ClusterConfig
metadata:
  name: k0s
spec:
  network:
    controlPlaneLoadBalancing:
      enabled: true
      type: Keepalived
      keepalived:
        vrrpInstances:
          - virtualIPs: ["${vipA}/24"]
            authPass: Example1
          - virtualIPs: ["${vipB}/24"]
            authPass: Example2
            interface: "${n.mac.toUpperCase()}"
`;
  for (const n of lab.nodes) {
    const r = await n.exec(['ip', 'route', 'add', 'default', 'via', gw, 'dev', 'eth0']);
    if (r.code !== 0) throw new Error(r.stderr);
    const dir = join(lab.dir, n.name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'k0s.yaml'), yamlOf(n));
    procs.push(startVipd(n, ['--dont-fork', '--no-syslog', '--log-console', '--k0s-config', join(dir, 'k0s.yaml')], { statusSocket: join(dir, 'vipd.sock') }));
  }
  await Promise.any(procs.map((p) => p.waitState('master', 10_000, 'k0s-vip-0')));
  await Promise.any(procs.map((p) => p.waitState('master', 10_000, 'k0s-vip-1')));
  await sleep(1500);
  t.equal((await vipHolders(lab.nodes, vipA)).length, 1, 'first VIP: one holder');
  t.equal((await vipHolders(lab.nodes, vipB)).length, 1, 'second VIP: one holder');
  const st = await lab.nodes[0]!.exec(['node', VIPD, 'status', '--status-socket', join(lab.dir, 'y1', 'vipd.sock')]);
  const s = JSON.parse(st.stdout) as { config: { kind: string }; instances: Array<{ name: string; vrid: number; interface: string; version: number; priority: number }> };
  t.equal(s.config.kind, 'k0s');
  t.match(s.instances, [
    { name: 'k0s-vip-0', vrid: 51, interface: 'eth0', version: 2, priority: 200 },
    { name: 'k0s-vip-1', vrid: 52, interface: 'eth0', version: 2, priority: 200 },
  ], "k0s's defaults: VRID 51 + index, priority 200, v2; interfaces resolved");
  for (const p of procs) {
    const t0 = Date.now();
    p.signal('SIGTERM');
    t.equal((await p.exited()).code, 0, `${p.node.name}: exit 0`);
    t.ok(Date.now() - t0 < 5000, `${p.node.name}: stopped within 5 s`);
  }
  await waitFor(async () => (await vipHolders(lab.nodes, vipA)).length + (await vipHolders(lab.nodes, vipB)).length === 0,
    { timeoutMs: 1000, message: 'VIPs released' });
  t.pass('VIPs released');
});

t.test('k0s validation errors: k0s message with file:line, exit 1', async (t) => {
  const dir = t.testdir({
    'long.yaml': 'spec:\n  network:\n    controlPlaneLoadBalancing:\n      enabled: true\n      keepalived:\n        vrrpInstances:\n        - virtualIPs: ["10.1.1.1/24"]\n          authPass: "123456789"\n          interface: eth0\n',
    'ok.yaml': 'controlPlaneLoadBalancing:\n  enabled: true\n  keepalived:\n    vrrpInstances:\n      - virtualIPs: ["10.1.1.1/24"]\n        authPass: x\n        interface: eth0\n',
  });
  const vipd = (args: string[]) => run([...cleanNodeOptions(), 'node', VIPD, ...args]);
  const bad = await vipd(['-t', '--k0s-config', join(dir, 'long.yaml')]);
  t.equal(bad.code, 1);
  t.equal(bad.stderr, `${join(dir, 'long.yaml')}:8: spec.network.controlPlaneLoadBalancing.keepalived.vrrpInstances[0].authPass: Too long: may not be more than 8 bytes\n`);
  const ok = await vipd(['-t', '--k0s-config', join(dir, 'ok.yaml'), '--k0s-controllers', '10.1.1.2,10.1.1.3']);
  t.equal(ok.code, 0, 'valid', { stderr: ok.stderr });
  const local = await vipd(['-t', '--k0s-config', join(dir, 'ok.yaml')]);
  t.equal(local.code, 5, 'no controllers: the userspace proxy would forward to this node only, a warning');
  t.match(local.stderr, /ok\.yaml:5: no controller addresses \(--k0s-controllers or unicast peers\)/);
});
