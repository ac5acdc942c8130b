// Property: any keepalived.conf that loads (what `vipd -t` accepts) maps to VRRP instances and
// IPVS services without an exception: parse -> model -> config-mapping. Configs are generated from
// the keywords' value spaces, good and bad values mixed, so both sides of the parse are exercised.
import fc from 'fast-check';
import t from 'tap';
import { parseKeepalivedConfig } from '../../src/config/index.js';
import { instanceConfig, trackSpecs, virtualServerConfigs } from '../../src/daemon/config-mapping.js';
import { ConfigError } from '../../src/errors.js';

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const opt = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: undefined });
const line = (k: string, v: fc.Arbitrary<string | number>) => v.map((x) => `${k} ${x}`);

const address4 = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 254 })).map(([a, b]) => `10.0.${a}.${b}`);
const address6 = fc.integer({ min: 1, max: 0xfff }).map((n) => `fd00::${n.toString(16)}`);
const address = fc.oneof(address4, address6);
const port = pick('80', '443', '0', '', '65535');

const vip = fc.tuple(fc.oneof(fc.tuple(address4, pick('', '/24', '/32', '/8')), fc.tuple(address6, pick('', '/64', '/128'))).map(([a, p]) => `${a}${p}`), fc.constant(''), fc.subarray(['dev eth1', 'label eth0:1', 'brd 10.0.0.255', 'scope link', 'no_track'])).map(([a, p, o]) => [`${a}${p}`, ...o].join(' '));

const instance = (name: string) => fc.record({
  state: opt(line('state', pick('MASTER', 'BACKUP'))),
  iface: opt(line('interface', pick('eth0', 'eth1'))),
  vrid: line('virtual_router_id', fc.integer({ min: 1, max: 255 })),
  prio: opt(line('priority', fc.integer({ min: 1, max: 255 }))),
  advert: opt(line('advert_int', pick('1', '0.5', '3', '0.01', '40'))),
  version: opt(line('version', pick('2', '3'))),
  auth: opt(pick('PASS', 'AH').chain((ty) => fc.string({ minLength: 1, maxLength: 12, unit: pick('a', 'b', '1', 'Z') }).map((p) => `authentication {\n auth_type ${ty}\n auth_pass ${p}\n}`))),
  vips: fc.array(vip, { maxLength: 4 }).map((v) => `virtual_ipaddress {\n${v.join('\n')}\n}`),
  unicast: opt(fc.oneof(fc.tuple(address4, fc.array(address4, { minLength: 1, maxLength: 3 })), fc.tuple(address6, fc.array(address6, { minLength: 1, maxLength: 3 }))).map(([s, ps]) => `unicast_src_ip ${s}\nunicast_peer {\n${ps.join('\n')}\n}`)),
  flags: fc.subarray(['nopreempt', 'preempt_delay 5', 'accept', 'no_accept', 'strict_mode on', 'use_vmac', 'down_timer_adverts 5', 'garp_master_delay 1', 'native_ipv6', 'dont_track_primary', 'track_interface {\n eth0\n eth1 weight 10\n}', 'track_script {\n chk\n nope\n}', 'notify_master "/bin/true x"']),
}).map((r) => `vrrp_instance ${name} {\n${[r.state, r.iface, r.vrid, r.prio, r.advert, r.version, r.auth, r.vips, r.unicast, ...r.flags].filter((x) => x !== undefined).join('\n')}\n}`);

const checker = fc.oneof(
  fc.constant('TCP_CHECK {\n connect_timeout 3\n}'),
  fc.tuple(pick('HTTP_GET', 'SSL_GET'), pick('200', '200-299 301', '404')).map(([k, c]) => `${k} {\n url {\n path /\n status_code ${c}\n }\n}`),
  fc.constant('MISC_CHECK {\n misc_path "/bin/true"\n}'),
  fc.constant('PING_CHECK {\n}'),
);
const realServer = fc.tuple(fc.oneof({ weight: 6, arbitrary: address4 }, { weight: 1, arbitrary: address6 }), port, fc.array(checker, { maxLength: 2 }), opt(line('weight', fc.integer({ min: 0, max: 5 })))).map(([a, p, cs, w]) => `real_server ${a} ${p} {\n${[w, ...cs].filter(Boolean).join('\n')}\n}`);

const target = fc.oneof(
  fc.tuple(fc.oneof({ weight: 6, arbitrary: address4 }, { weight: 1, arbitrary: address6 }), pick('80', '443', '')).map(([a, p]) => `${a} ${p}`),
  fc.integer({ min: 1, max: 10 }).map((m) => `fwmark ${m}`),
  pick('group G4', 'group G6', 'group NOPE'),
);
const virtualServer = fc.record({
  target,
  sched: opt(line(pick('lb_algo', 'lvs_sched') as unknown as string, pick('rr', 'wlc', 'mh', 'twos', 'RR'))),
  kind: opt(line('lb_kind', pick('NAT', 'DR', 'TUN'))),
  proto: opt(line('protocol', pick('TCP', 'UDP', 'SCTP'))),
  persist: opt(pick('persistence_timeout', 'persistence_timeout 50')),
  gran: opt(line('persistence_granularity', fc.oneof({ weight: 8, arbitrary: pick('255.255.255.0', '24', '16', '0') }, { weight: 1, arbitrary: pick('64', '128', 'foo', '255.0.255.0') }))),
  quorum: opt(line('quorum', pick('0', '1', '3'))),
  sorry: opt(fc.tuple(address, pick('80', '', '0')).map(([a, p]) => `sorry_server ${a} ${p}`)),
  flags: fc.subarray(['ops', 'alpha', 'omega', 'sh-port', 'mh-fallback', 'flag-3', 'inhibit_on_failure', 'quorum_up "/bin/true"', 'hysteresis 1']),
  rs: fc.array(realServer, { maxLength: 3 }),
}).map((r) => `virtual_server ${r.target} {\n${[r.sched, r.kind, r.proto, r.persist, r.gran, r.quorum, r.sorry, ...r.flags, ...r.rs].filter((x) => x !== undefined).join('\n')}\n}`);

const groups = fc.tuple(
  fc.subarray(['10.1.0.0/29 80', '10.2.0.254-10.2.1.1 81', '10.3.0.1-3', 'fwmark 7', 'fwmark 8 inet6']),
  fc.subarray(['fd00::1-f 80', 'fd00::1:fffe-fd00::2:1', 'fd00::100/126 82', 'fwmark 9 inet6']),
).map(([g4, g6]) => `virtual_server_group G4 {\n${g4.join('\n')}\n}\nvirtual_server_group G6 {\n${g6.join('\n')}\n}`);

const config = fc.tuple(
  fc.subarray(['global_defs {\n vrrp_strict\n}', 'global_defs {\n vrrp_version 3\n vrrp_down_timer_adverts 4\n vrrp_min_garp\n}', 'vrrp_script chk {\n script "/bin/true"\n weight -20\n}']),
  fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }).chain((ns) => fc.tuple(...ns.map((n, i) => instance(`VI_${i}_${n}`)))),
  fc.array(virtualServer, { maxLength: 3 }),
  groups,
  opt(pick('vrrp_sync_group S {\n group {\n VI_0_1\n VI_1_2\n VI_9\n }\n}')),
).map(([head, insts, vss, g, sg]) => [...head, ...insts, ...vss, g, sg].filter((x) => x !== undefined).join('\n'));

t.test('whatever loads, maps, or is refused with file:line', async (t) => {
  let loaded = 0;
  const errors = new Map<string, number>();
  fc.assert(
    fc.property(config, (text) => {
      let cfg;
      try {
        cfg = parseKeepalivedConfig(text, { file: '/k.conf', configId: 'x' }).config;
      } catch (e) {
        if (e instanceof ConfigError && e.file === '/k.conf' && typeof e.line === 'number') {
          if (process.env.VIPD_PROPERTY_ERRORS) errors.set(e.message.replace(/^\S+:\d+: /, '').replace(/[\d.:a-f]{4,}/g, 'N').slice(0, 60), (errors.get(e.message.replace(/^\S+:\d+: /, '').replace(/[\d.:a-f]{4,}/g, 'N').slice(0, 60)) ?? 0) + 1);
          return;
        }
        throw e;
      }
      loaded++;
      // Mapping may refuse a config only with a ConfigError at a file:line (vipd -t reports it as
      // "cannot run", the daemon before touching anything), e.g. a unicast instance whose
      // unicast_src_ip is on no interface here; anything else is a bug.
      try {
        for (const i of cfg.vrrpInstances) {
          instanceConfig(i, cfg);
          trackSpecs(i, cfg);
        }
        virtualServerConfigs(cfg);
      } catch (e) {
        if (e instanceof ConfigError && e.file === '/k.conf' && typeof e.line === 'number') return;
        throw e;
      }
    }),
    { numRuns: 800 },
  );
  if (process.env.VIPD_PROPERTY_ERRORS) console.error([...errors].sort((a, b) => b[1] - a[1]).slice(0, 15));
  t.ok(loaded > 100, `a fair share of the generated configs load (${loaded} of 800)`);
});
