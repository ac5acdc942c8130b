// The namespace lab itself: addresses, reachability across the bridge, cut/restore, spawn, capture
// and that teardown leaves nothing behind.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { capture, createLan, waitFor } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';

const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

t.test('a two-node LAN', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'tcpdump', 'ping'] })) return;
  let labNamespaces: string[] = [];
  await t.test('build, use, tear down', async (t) => {
    const lab = await createLan(t, ['a', 'b']);
    labNamespaces = [lab.bridgeNs, ...lab.nodes.map((n) => n.ns)];
    const a = lab.node('a');
    const b = lab.node('b');
    t.match(a.ipv4, /^10\.\d+\.\d+\.10$/);
    t.match(b.ipv4, /^10\.\d+\.\d+\.11$/);
    t.match(b.ipv6, /^fd00:[0-9a-f]+:[0-9a-f]+::11$/);
    t.match(a.linkLocal, /^fe80::/);
    t.equal(a.ifname, 'eth0');
    t.ok(a.ifindex > 1);
    t.match(a.mac, /^02:/);
    t.not(a.mac, b.mac);
    for (const ns of labNamespaces) t.match(namespaces(), ns);

    const ipa = JSON.parse((await a.exec(['ip', '-j', 'addr', 'show', 'dev', 'eth0'])).stdout) as Array<{ ifindex: number; addr_info: Array<{ local: string; tentative?: boolean }> }>;
    t.equal(ipa[0]?.ifindex, a.ifindex);
    t.ok(ipa[0]?.addr_info.some((x) => x.local === a.ipv6 && !x.tentative), 'ULA present, not tentative');

    t.equal((await a.exec(['ping', '-c1', '-W2', b.ipv4])).code, 0, 'IPv4 across the bridge');
    t.equal((await a.exec(['ping', '-6', '-c1', '-W2', b.ipv6])).code, 0, 'IPv6 across the bridge');
    t.equal((await a.exec(['ping', '-6', '-c1', '-W2', `${b.linkLocal}%eth0`])).code, 0, 'link-local across the bridge');

    const cap = await capture(lab, b, 'icmp');
    await a.exec(['ping', '-c2', '-i0.2', '-W2', b.ipv4]);
    const packets = await cap.stop();
    t.ok(packets.length >= 2, `captured ${packets.length} ICMP frames`);
    t.equal(packets[0]?.data.readUInt16BE(12), 0x0800, 'Ethernet frames');

    await a.cut();
    const down = JSON.parse((await a.exec(['ip', '-j', 'link', 'show', 'dev', 'eth0'])).stdout) as Array<{ operstate: string; flags: string[] }>;
    t.not(down[0]?.operstate, 'UP', 'node side lost carrier');
    t.ok(down[0]?.flags.includes('NO-CARRIER'));
    t.not((await a.exec(['ping', '-c1', '-W1', b.ipv4])).code, 0, 'no traffic while cut');
    await a.restore();
    await waitFor(async () => (await a.exec(['ping', '-c1', '-W1', b.ipv4])).code === 0, { timeoutMs: 5000 });
    t.pass('traffic again after restore');

    const child = b.spawn(['sh', '-c', 'sleep 60 & sleep 60; echo never']);
    t.ok(child.pid);
    await waitFor(async () => (await b.exec(['ip', 'netns', 'identify'])).code === 0);
    const pids = (await b.exec(['sh', '-c', `ip netns pids ${b.ns}`])).stdout.trim();
    t.ok(pids.split(/\s+/).length >= 2, 'spawned processes run in the namespace');
  });
  const left = namespaces();
  for (const ns of labNamespaces) t.notMatch(left, new RegExp(`^${ns}\\b`, 'm'), `${ns} removed`);
});

t.test('waitFor times out with a clear message', async (t) => {
  await t.rejects(waitFor(() => false, { timeoutMs: 100, message: 'never' }), /never not met within 100 ms/);
  t.equal(await waitFor(() => 42), 42);
});
