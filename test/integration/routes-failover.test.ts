// Routes and rules on a two-node LAN of vipd processes: the MASTER holds the virtual routes and
// rules (checked with `ip -j route show table N` / `ip -j rule`), the BACKUP only the static ones;
// deleting a tracked virtual route by hand sends the master to BACKUP and the other node takes
// over with its own; a deleted static rule or address comes back; SIGHUP adds and removes only
// what changed (watched with `ip monitor route`), without a transition; after SIGTERM nothing is left.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { k0sFlags, startVipd, sleep, type VipdProc } from '../helpers/daemon-lab.js';

interface Opts { priority: number; virtualRoutes: string[]; virtualRules: string[] }

function conf(n: LabNode, o: Opts): string {
  return `static_ipaddress {
  10.78.2.5/24 dev eth0
}
static_routes {
  10.78.10.0/24 dev eth0 table 100
}
static_rules {
  from 10.78.10.0/24 table 100 priority 1000
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 78
  version 3
  priority ${o.priority}
  advert_int 0.2
  virtual_ipaddress {
    ${n.ipv4.replace(/\.\d+$/, '.100')}/24
  }
  virtual_routes {
${o.virtualRoutes.map((r) => `    ${r}\n`).join('')}  }
  virtual_rules {
${o.virtualRules.map((r) => `    ${r}\n`).join('')}  }
}
`;
}

async function routes(n: LabNode, table: string, family: '-4' | '-6' = '-4'): Promise<string[]> {
  const r = await n.exec(['ip', '-j', family, 'route', 'show', 'table', table]);
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout || '[]') as Array<{ dst: string; protocol?: string }>).map((x) => `${x.dst} ${x.protocol ?? ''}`.trim()).sort();
}

async function rules(n: LabNode): Promise<number[]> {
  const r = await n.exec(['ip', '-j', 'rule', 'show']);
  return (JSON.parse(r.stdout || '[]') as Array<{ priority: number; protocol?: string }>).filter((x) => x.protocol === 'keepalived').map((x) => x.priority).sort();
}

t.test('virtual routes follow MASTER, tracked deletions move it, static ones stay and come back', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['h1', 'h2']);
  const [h1, h2] = lab.nodes as [LabNode, LabNode];
  const gw = h1.ipv4.replace(/\.\d+$/, '.1');
  const gw6 = h1.ipv6.replace(/::\d+$/, '::1');
  const base: Omit<Opts, 'priority'> = {
    virtualRoutes: [`10.78.20.0/24 via ${gw} dev eth0 table 200`, '10.78.21.0/24 dev eth0 table 200 no_track', `fd00:78:20::/64 via ${gw6} dev eth0 table 200`],
    virtualRules: ['from 10.78.20.0/24 table 200 priority 2000', 'to 10.78.21.0/24 table 200 priority 2001'],
  };
  const file = (n: LabNode) => join(lab.dir, n.name, 'keepalived.conf');
  const write = (n: LabNode, o: Opts) => {
    mkdirSync(join(lab.dir, n.name), { recursive: true });
    writeFileSync(file(n), conf(n, o));
  };
  write(h1, { priority: 200, ...base });
  write(h2, { priority: 100, ...base });
  const p1 = startVipd(h1, k0sFlags(file(h1)), { statusSocket: join(lab.dir, 'h1.sock') });
  await p1.waitState('master', 10_000);
  const p2 = startVipd(h2, k0sFlags(file(h2)), { statusSocket: join(lab.dir, 'h2.sock') });
  await p2.waitState('backup', 10_000);
  const VIRTUAL = ['10.78.20.0/24 keepalived', '10.78.21.0/24 keepalived'];
  const settledOn = (n: LabNode, what: string) => waitFor(async () => (await routes(n, '200')).join() === VIRTUAL.join(), { timeoutMs: 5000, message: what });

  await t.test('MASTER: static and virtual; BACKUP: static only', async (t) => {
    await settledOn(h1, 'h1 has the virtual routes');
    t.same(await routes(h1, '200', '-6'), ['fd00:78:20::/64 keepalived'], 'h1: the IPv6 virtual route');
    t.same(await rules(h1), [1000, 2000, 2001], 'h1: static and virtual rules');
    t.same(await routes(h1, '100'), ['10.78.10.0/24 keepalived'], 'h1: the static route');
    await sleep(500);
    t.same(await routes(h2, '200'), [], 'h2 (BACKUP): no virtual route');
    t.same(await routes(h2, '200', '-6'), []);
    t.same(await rules(h2), [1000], 'h2: the static rule only');
    t.same(await routes(h2, '100'), ['10.78.10.0/24 keepalived'], 'h2: the static route');
  });

  await t.test('a no_track route deleted by hand stays deleted; a tracked one moves MASTER to h2', async (t) => {
    const tr1 = p1.transitions().length;
    await h1.exec(['ip', 'route', 'del', '10.78.21.0/24', 'table', '200']);
    await sleep(800);
    t.equal(p1.transitions().length, tr1, 'no_track: h1 stays MASTER');
    t.same(await routes(h1, '200'), ['10.78.20.0/24 keepalived']);
    await h1.exec(['ip', 'route', 'del', '10.78.20.0/24', 'table', '200']);
    await p1.waitState('backup', 5000);
    await p2.waitState('master', 5000);
    await settledOn(h2, 'h2 adds its virtual routes');
    t.same(await rules(h2), [1000, 2000, 2001]);
    // h1 has the higher priority: it preempts back after Master_Down_Interval and adds them again.
    await p1.waitState('master', 8000);
    await settledOn(h1, 'h1 has them again');
    await waitFor(async () => (await routes(h2, '200')).length === 0, { timeoutMs: 5000, message: 'h2 (BACKUP again) removed them' });
    t.same(await rules(h2), [1000]);
  });

  await t.test('a deleted static rule and address come back; the static route does not', async (t) => {
    await h2.exec(['ip', 'rule', 'del', 'priority', '1000']);
    await h2.exec(['ip', 'addr', 'del', '10.78.2.5/24', 'dev', 'eth0']);
    await h2.exec(['ip', 'route', 'del', '10.78.10.0/24', 'table', '100']);
    await waitFor(async () => (await rules(h2)).includes(1000), { timeoutMs: 3000, message: 'the static rule is back' });
    await waitFor(async () => (await h2.exec(['ip', '-br', 'addr', 'show', 'dev', 'eth0'])).stdout.includes('10.78.2.5/24'), { timeoutMs: 3000, message: 'the static address is back' });
    await sleep(300);
    t.same(await routes(h2, '100'), [], 'the static route stays deleted (as keepalived)');
  });

  await t.test('SIGHUP: only the changed routes and rules move, no transition', async (t) => {
    const monitor = h1.spawn(['ip', '-o', 'monitor', 'route', 'rule']);
    let events = '';
    monitor.stdout?.on('data', (d: Buffer) => { events += d.toString(); });
    await sleep(300);
    const tr1 = p1.transitions().length;
    write(h1, {
      priority: 200,
      virtualRoutes: [base.virtualRoutes[0]!, base.virtualRoutes[1]!, '10.78.22.0/24 dev eth0 table 200'],
      virtualRules: [base.virtualRules[0]!, 'to 10.78.22.0/24 table 200 priority 2002'],
    });
    const reloads = (p: VipdProc) => p.log.lines.filter((l) => l.msg === 'reloaded').length;
    const before = reloads(p1);
    p1.signal('SIGHUP');
    await waitFor(() => reloads(p1) > before, { timeoutMs: 3000, message: 'h1 reloaded' });
    await waitFor(async () => (await routes(h1, '200')).includes('10.78.22.0/24 keepalived'), { timeoutMs: 3000, message: 'the new route is added' });
    await waitFor(async () => (await routes(h1, '200', '-6')).length === 0, { timeoutMs: 3000, message: 'the dropped IPv6 route is removed' });
    await sleep(500);
    t.same(await rules(h1), [1000, 2000, 2002], 'rule 2001 removed, 2002 added');
    t.equal(p1.transitions().length, tr1, 'no transition');
    t.notMatch(events, /Deleted.*10\.78\.20\.0\/24/, 'the unchanged route was never removed');
    t.notMatch(events, /Deleted.*from 10\.78\.20\.0\/24/, 'the unchanged rule was never removed');
    t.match(events, /Deleted.*fd00:78:20::\/64/);
  });

  await t.test('SIGTERM: nothing of ours left', async (t) => {
    p1.signal('SIGTERM');
    await p1.exited();
    t.same(await routes(h1, '200'), []);
    t.same(await routes(h1, '100'), []);
    t.same(await rules(h1), []);
    t.notMatch((await h1.exec(['ip', '-br', 'addr', 'show', 'dev', 'eth0'])).stdout, /10\.78\.2\.5/, 'static address removed');
    await p2.waitState('master', 5000);
    await settledOn(h2, 'h2 took over with its virtual routes');
    p2.signal('SIGTERM');
    await p2.exited();
    t.same(await routes(h2, '200'), []);
    t.same(await rules(h2), []);
  });
});
