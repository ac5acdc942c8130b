// keepalived 2.2.7 as the oracle for routes and rules: the same keepalived.conf run by keepalived
// and then by vipd in one lab node must leave the same routes, rules and addresses in place while
// MASTER (`ip -j -d route show table all`, `ip -j rule`, `ip -j addr`, normalised), and nothing
// of them after SIGTERM. Lines with values keepalived cannot use are in it too: the same lines
// (or options) must be left out.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createLan, waitFor, stopProcess, type Lab, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { VIPD } from '../helpers/daemon-lab.js';

/** The node's routing state as sorted JSON lines, without what changes by itself (lifetimes). */
async function snapshot(n: LabNode): Promise<Set<string>> {
  const out = new Set<string>();
  const j = async (args: string[], kind: string) => {
    const r = await n.exec(['ip', '-j', ...args]);
    if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    for (const e of JSON.parse(r.stdout || '[]') as Array<Record<string, unknown>>) {
      if (kind === 'addr') {
        for (const a of (e.addr_info as Array<Record<string, unknown>>) ?? []) {
          const { valid_life_time: _v, preferred_life_time: _p, ...rest } = a;
          out.add(`addr ${String(e.ifname)} ${stable(rest)}`);
        }
        continue;
      }
      const { expires: _e, ...rest } = e;
      out.add(`${kind} ${stable(rest)}`);
    }
  };
  await j(['-d', 'route', 'show', 'table', 'all'], 'route4');
  await j(['-d', '-6', 'route', 'show', 'table', 'all'], 'route6');
  await j(['rule', 'show'], 'rule4');
  await j(['-6', 'rule', 'show'], 'rule6');
  await j(['addr', 'show'], 'addr');
  return out;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${k}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const minus = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();

function conf(n: LabNode): string {
  const gw = n.ipv4.replace(/\.\d+$/, '.1');
  const vip = n.ipv4.replace(/\.\d+$/, '.100');
  const gw6 = n.ipv6.replace(/::\d+$/, '::1');
  return `global_defs {
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 1
}
static_ipaddress {
  10.77.2.5/24 dev va label va:st
  fd00:77:2::5/64 dev va
}
static_routes {
  10.77.10.0/24 via ${gw} dev eth0
  10.77.11.0/24 dev eth0 table 100 metric 7 scope link mtu 1400 advmss 1300 hoplimit 9 realms 2/3
  blackhole 10.77.12.0/24 table 100
  unreachable 10.77.13.0/24
  prohibit 10.77.14.0/24 table 6909
  throw 10.77.15.0/24 table 100
  10.77.16.0/24 nexthop via ${gw} dev eth0 weight 2 nexthop via 10.77.1.1 dev va weight 3
  10.77.17.0/24 dev eth0 rtt 500ms rttvar 300ms rto_min 250ms ssthresh lock 20 cwnd 10 window 65535 reordering 5 initcwnd 10 initrwnd 20 quickack 1 features ecn fastopen_no_cookie 1
  10.77.18.0/24 dev eth0 append
  fd00:77:10::/64 via ${gw6} dev eth0 metric 5 pref high
  fd00:77:11::/64 dev va table 100 mtu 1300
  default via 10.77.1.1 dev va table 300
  10.77.30.0/24 dev eth0 metric x
  10.77.31.0/24 dev eth0 features bogus mtu 1400
  10.77.32.0/24 dev eth0 table 0 metric 3
  10.77.33.0/24 dev eth0 ttl-propagate maybe
  10.77.34.0/24 dev eth0 to 10.77.35.0/24
  10.77.36.0/24 dev eth0 bogus 5
  10.77.37.0/24 dev eth0 from 10.77.1.0/24
}
static_rules {
  from 10.77.10.0/24 table 100 priority 1000
  to 10.77.11.0/24 iif eth0 table 100 priority 1001
  fwmark 0x10/0xff table 6909 priority 1002
  not from 10.77.12.0/24 table 100 priority 1003
  from all ipproto tcp dport 80-90 table 100 priority 1004
  uidrange 1000-2000 table 100 priority 1005
  tos 0x10 table 100 priority 1006
  from 10.77.99.0/24 blackhole priority 1007
  from all table main suppress_prefixlength 0 priority 1008
  from fd00:77:10::/64 table 100 priority 1009
  to 10.77.19.0/24 table 100
  from 10.77.30.0/24 table 100 priority 1010 sport 5
  from 10.77.31.0/24 table 100 priority 1011 ipproto bogus
  from 10.77.32.0/24 table 100 priority 1012 fwmark x
  from 10.77.33.0/24 table 100 priority 1013 protocol bird
  from 10.77.34.0/24 table 100 priority 1014 dport 9-3
  from 10.77.35.0/24 priority 1015
  from 10.77.36.0/24 table 100 priority 1016 suppress_prefixlength 200
  from 10.77.37.0/24 table 0 priority 1017
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 77
  version 3
  priority 100
  advert_int 0.1
  virtual_ipaddress {
    ${vip}/24 dev eth0
  }
  virtual_routes {
    10.77.20.0/24 via ${gw} dev eth0 table 200
    src ${vip} to 10.77.21.0/24 via ${gw} dev eth0
    10.77.22.0/24 dev va table 200 no_track
    blackhole 10.77.23.0/24 table 200
    fd00:77:20::/64 via ${gw6} dev eth0 table 200
    10.77.24.0/24 via ${gw} dev eth0 protocol bird no_track
  }
  virtual_rules {
    from 10.77.20.0/24 table 200 priority 2000
    to 10.77.21.0/24 oif eth0 table 200 priority 2001 no_track
    from fd00:77:20::/64 table 200 priority 2002
    fwmark 7 goto 2000 priority 1999
  }
}
`;
}

interface Run { running: string[]; left: string[]; log: string }

async function runDaemon(lab: Lab, n: LabNode, cmd: string[], tag: string): Promise<Run> {
  const before = await snapshot(n);
  const child = n.spawn(cmd);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  try {
    // MASTER with every virtual route and rule in place (the last rule is added last).
    await waitFor(async () => {
      const r = await n.exec(['ip', '-j', 'rule', 'show', 'pref', '1999']);
      const r6 = await n.exec(['ip', '-j', '-6', 'rule', 'show', 'pref', '2002']);
      return r.stdout.includes('1999') && r6.stdout.includes('2002');
    }, { timeoutMs: 15_000, message: `${tag}: MASTER with its virtual rules` });
    await new Promise((r) => setTimeout(r, 500));
    const running = minus(await snapshot(n), before);
    await stopProcess(child, 5000);
    const left = minus(await snapshot(n), before);
    return { running, left, log };
  } catch (err) {
    t.comment(`${tag} log:\n${log.slice(-4000)}`);
    throw err;
  } finally {
    await stopProcess(child);
    void lab;
  }
}

t.test('vipd leaves the routes, rules and addresses keepalived leaves', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'keepalived'] })) return;
  const lab = await createLan(t, ['r']);
  const n = lab.node('r');
  // A second device for nexthops and static addresses.
  for (const c of [['link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'], ['link', 'set', 'va', 'up'], ['link', 'set', 'vb', 'up'],
    ['addr', 'add', '10.77.1.2/24', 'dev', 'va'], ['-6', 'addr', 'add', 'fd00:77:1::2/64', 'dev', 'va', 'nodad']]) {
    const r = await n.exec(['ip', ...c]);
    t.equal(r.code, 0, `ip ${c.join(' ')} ${r.stderr}`);
  }
  const file = join(lab.dir, 'keepalived.conf');
  writeFileSync(file, conf(n));
  const ka = await runDaemon(lab, n, ['keepalived', '-n', '-l', '-D', '-f', file, '--vrrp', '-p', join(lab.dir, 'k.pid'), '-r', join(lab.dir, 'v.pid')], 'keepalived');
  const vd = await runDaemon(lab, n, ['node', VIPD, '--dont-fork', '--use-file', file, '--no-syslog', '--log-console', '--status-socket', join(lab.dir, 'vipd.sock')], 'vipd');
  t.ok(ka.running.filter((l) => l.startsWith('route')).length >= 15, `keepalived added its routes (${ka.running.length} entries)`);
  t.strictSame(vd.running, ka.running, 'while MASTER: the same routes, rules and addresses');
  t.strictSame(ka.left, [], 'keepalived left nothing');
  t.strictSame(vd.left, [], 'vipd left nothing');
  if (t.passing() === false) {
    t.comment(`keepalived log:\n${ka.log.slice(-3000)}`);
    t.comment(`vipd log:\n${vd.log.slice(-3000)}`);
  }
});
