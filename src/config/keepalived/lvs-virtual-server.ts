// virtual_server IP [PORT] | fwmark N | group NAME { ... }: one IPVS service (or a group's) and
// its real servers.
import { isIPv4 } from 'node:net';
import type { Statement } from '../block-parser.js';
import { PERSISTENCE_TIMEOUT_DEFAULT, VIRTUAL_SERVER_DEFAULTS } from '../defaults.js';
import type { VirtualServerTarget } from '../types.js';
import {
  argText, boolArg, fail, familyOf, intArg, ipArg, ipText, optArg, portText, whereOf,
} from '../values.js';
import type { ConfigDraft, VsDraft } from './draft.js';
import { asKeepalivedTable, implemented, warned, type Handler, type Kit, type KeywordTable } from './kit.js';
import { timingKeywords } from './lvs-checkers.js';
import { realServer } from './lvs-real-server.js';
import { forwarding, scheduler } from './lvs-values.js';

/**
 * IPv4: a contiguous dotted netmask or a prefix length 0..32; IPv6: a prefix length 1..128 (the
 * family is the virtual server's, IPv4 for groups and fwmarks unless ip_family says otherwise,
 * and is checked again once the whole block is read).
 */
function granularity(st: Statement, kit: Kit): string | undefined {
  const v = argText(st, 0, 'netmask');
  const bad = (): never => fail(st, `persistence_granularity: '${v}' is not a netmask or prefix length`);
  if (/^\d+$/.test(v)) {
    if (Number(v) > 0xffffffff) bad();
    return v;
  }
  if (!isIPv4(v)) bad();
  const bits = v.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) {
    kit.warn(st, `persistence_granularity: '${v}' is not a contiguous netmask: keepalived programs it as given; ${NO_MASK}`);
    return undefined;
  }
  return v;
}

/** What vipd does with a netmask keepalived programs but that is not a prefix length. */
const NO_MASK = 'vipd programs prefix lengths only and leaves the granularity at /32 (its default)';

/** What inet_aton makes of a bare number: the address with that 32-bit value. */
function inetAtonMask(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Scheduler flags; sh-* and mh-* count only after `lb_algo sh` / `lb_algo mh`, as in keepalived. */
function flag(onlyFor?: 'sh' | 'mh'): Handler<VsDraft> {
  return (s, d, kit) => {
    if (onlyFor && d.vs.scheduler !== onlyFor) {
      kit.warn(s, `${s.keyword}: applies to the ${onlyFor} scheduler only (lb_algo is ${d.vs.scheduler} at this line), ignored as keepalived does`);
      return;
    }
    if (!d.vs.schedulerFlags.includes(s.keyword)) d.vs.schedulerFlags.push(s.keyword);
  };
}
const method: Handler<VsDraft> = (s, d) => {
  const f = forwarding(s);
  d.vs.method = f.method;
  if (f.tunnel) d.vs.tunnel = f.tunnel;
  else delete d.vs.tunnel;
};
const sched: Handler<VsDraft> = (s, d) => (d.vs.scheduler = scheduler(s));

/** keepalived reads sorry_server_* only after sorry_server: before it (or without it) they are ignored. */
function sorryOption(apply: (sorry: NonNullable<VsDraft['vs']['sorryServer']>, s: Statement) => void): Handler<VsDraft> {
  return (s, d, kit) => {
    const sorry = d.vs.sorryServer;
    if (!sorry) {
      kit.warn(s, `${s.keyword}: before or without sorry_server, ignored as keepalived does`);
      return;
    }
    apply(sorry, s);
  };
}

/** keepalived takes a flag keyword's bad argument as the flag set. */
const FLAG_ON = (set: (d: VsDraft) => void) => ({ says: 'taken as on', apply: set });

// keepalived ignores a value it cannot use (the default applies), and skips a real server or
// sorry server it cannot parse.
export const VIRTUAL_SERVER: KeywordTable<VsDraft> = asKeepalivedTable({
  lb_algo: implemented(sched),
  lvs_sched: implemented(sched),
  lb_kind: implemented(method),
  lvs_method: implemented(method),
  persistence_timeout: implemented((s, d) => {
    d.vs.persistenceTimeout = optArg(s, 0) === undefined ? PERSISTENCE_TIMEOUT_DEFAULT : intArg(s, 0, 1, 2678400);
  }),
  persistence_granularity: implemented((s, d, kit) => {
    const g = granularity(s, kit);
    if (g === undefined) return;
    d.vs.persistenceGranularity = g;
    d.granularityWhere = whereOf(s);
  }),
  persistence_engine: implemented((s, d) => {
    const pe = argText(s, 0, 'persistence engine name');
    if (!/^[A-Za-z0-9_-]{1,15}$/.test(pe)) fail(s, `persistence_engine: '${pe}' is not a persistence engine name (1..15 letters, digits, '_' or '-', e.g. sip)`);
    d.vs.persistenceEngine = pe;
  }),
  protocol: implemented((s, d) => {
    const p = argText(s, 0, 'TCP, UDP or SCTP');
    if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') fail(s, `protocol: '${p}' is not TCP, UDP or SCTP`);
    d.vs.protocol = p === 'TCP' ? 'TCP' : p === 'UDP' ? 'UDP' : 'SCTP'; // literals: one string for every virtual server
    d.protocolSet = true;
  }),
  ops: implemented((_s, d) => (d.vs.ops = true)),
  quorum: implemented((s, d, kit) => {
    d.vs.quorum = intArg(s, 0, 0, 2 ** 32 - 1);
    d.quorumWhere = whereOf(s);
    if (d.vs.quorum === 0) {
      kit.warn(s, 'quorum: 0 is out of range 1..4294967295, 1 is used as keepalived does');
      d.vs.quorum = 1;
    }
  }),
  hysteresis: implemented((s, d) => (d.vs.hysteresis = intArg(s, 0, 0, 2 ** 31 - 1))),
  alpha: implemented((s, d) => (d.vs.alpha = boolArg(s, 0))),
  omega: implemented((s, d) => (d.vs.omega = boolArg(s, 0))),
  inhibit_on_failure: implemented((s, d) => (d.vs.inhibitOnFailure = boolArg(s, 0))),
  quorum_up: implemented((s, d, kit) => (d.vs.quorumUp = kit.command(s))),
  quorum_down: implemented((s, d, kit) => (d.vs.quorumDown = kit.command(s))),
  sorry_server: implemented((s, d) => {
    const addr = ipArg(s, 0);
    const p = optArg(s, 1);
    d.vs.sorryServer = { address: addr, port: p === undefined ? 0 : portText(s, p, 'sorry_server', 0), inhibit: false };
    d.sorryWhere = whereOf(s);
  }),
  sorry_server_inhibit: implemented((s, d, kit) => {
    const on = boolArg(s, 0);
    sorryOption((sorry) => (sorry.inhibit = on))(s, d, kit);
  }),
  // Without a sorry_server keepalived ignores the line before it looks at the value.
  sorry_server_lvs_method: implemented(sorryOption((sorry, s) => {
    const f = forwarding(s);
    sorry.method = f.method;
    if (f.tunnel) sorry.tunnel = f.tunnel;
    else delete sorry.tunnel;
  })),
  virtualhost: implemented((s, d) => (d.vs.virtualhost = argText(s, 0, 'host name'))),
  ip_family: implemented((s, d) => {
    const f = argText(s, 0, 'inet or inet6');
    if (f !== 'inet' && f !== 'inet6') fail(s, `ip_family: '${f}' is not inet or inet6`);
    if (d.vs.target.kind === 'fwmark') d.vs.target.family = f === 'inet' ? 4 : 6;
  }),
  ...timingKeywords<VsDraft>((d) => d.timing),
  real_server: implemented((s, d, kit) => d.rs.push(realServer(s, d, kit)), { block: 'real_server' }),
  'flag-1': implemented(flag()),
  'flag-2': implemented(flag()),
  'flag-3': implemented(flag()),
  'sh-port': implemented(flag('sh')),
  'sh-fallback': implemented(flag('sh')),
  'mh-port': implemented(flag('mh')),
  'mh-fallback': implemented(flag('mh')),
  ha_suspend: implemented((s, d) => {
    d.vs.haSuspend = boolArg(s, 0);
    d.haSuspendWhere = whereOf(s);
  }),
  quorum_max: warned('there is no upper quorum'),
  smtp_alert: warned('no e-mail is sent'),
  snmp_name: warned('there is no SNMP agent'),
}, 'ignored', {
  quorum: { says: 'using 1', apply: (d) => (d.vs.quorum = 1) },
  sorry_server: 'the sorry server is skipped',
  real_server: 'this real server is skipped',
  alpha: FLAG_ON((d) => (d.vs.alpha = true)),
  omega: FLAG_ON((d) => (d.vs.omega = true)),
  inhibit_on_failure: FLAG_ON((d) => (d.vs.inhibitOnFailure = true)),
});

export function virtualServer(st: Statement, config: ConfigDraft, kit: Kit): void {
  const a0 = argText(st, 0, 'address, fwmark or group');
  let target!: VirtualServerTarget;
  let portGiven = true;
  // keepalived skips a virtual server whose address, port or mark it cannot parse.
  const header = () => {
    if (a0 === 'fwmark') {
      target = { kind: 'fwmark', fwmark: intArg(st, 1, 1, 2 ** 32 - 1, 'mark'), family: 4 };
    } else if (a0 === 'group') {
      target = { kind: 'group', group: argText(st, 1, 'group name') };
    } else {
      const address = ipText(st, a0, 'virtual_server');
      const p = optArg(st, 1);
      portGiven = p !== undefined;
      target = { kind: 'address', address, port: p === undefined ? 0 : portText(st, p, 'virtual_server'), family: familyOf(address) };
    }
  };
  if (!kit.tolerate(st, header, 'this virtual server is skipped (not programmed, its real servers not checked)')) return;
  const D = VIRTUAL_SERVER_DEFAULTS;
  const where = whereOf(st);
  const d: VsDraft = {
    // VIRTUAL_SERVER_DEFAULTS but delay_loop (the checkers' default until finish.ts), in its order.
    vs: {
      target, scheduler: D.scheduler, method: D.method, protocol: D.protocol, ops: D.ops, quorum: D.quorum, hysteresis: D.hysteresis,
      alpha: D.alpha, omega: D.omega, inhibitOnFailure: D.inhibitOnFailure, schedulerFlags: [], where,
    },
    timing: {},
    rs: [],
    protocolSet: false,
    portGiven,
    where,
  };
  kit.apply(kit.needBlock(st), VIRTUAL_SERVER, d, () => `virtual_server ${st.args.map((t) => t.text).join(' ')}`);
  const vs = d.vs;
  // keepalived 2.2.7 (observed) picks UDP when `protocol` is missing, and says so.
  if (!d.protocolSet && target.kind !== 'fwmark') kit.warn(st, `virtual_server: no protocol set, defaulting to UDP as keepalived does`);
  if (d.protocolSet && target.kind === 'fwmark') kit.warn(st, `virtual_server fwmark ${target.fwmark}: a fwmark service has no protocol, 'protocol' is ignored as keepalived does`);
  if (target.kind === 'address' && !portGiven && vs.persistenceTimeout === undefined) {
    // keepalived 2.2.7 (observed in UML: ipvsadm shows `-p 360`) makes it persistent.
    kit.instead(st, `virtual_server ${target.address}: a port is required unless the service is persistent`, `made persistent (persistence_timeout ${PERSISTENCE_TIMEOUT_DEFAULT})`);
    vs.persistenceTimeout = PERSISTENCE_TIMEOUT_DEFAULT;
  }
  const g = vs.persistenceGranularity;
  if (g !== undefined) {
    const family = target.kind === 'group' ? undefined : target.family;
    if (family === 6 && (!/^\d+$/.test(g) || Number(g) < 1 || Number(g) > 128)) fail(d.granularityWhere ?? st, `persistence_granularity: '${g}' is not an IPv6 prefix length (1..128)`);
    // keepalived reads a bare IPv4 number as inet_aton does (24 -> 0.0.0.24): say that vipd differs.
    if (family !== 6 && /^\d+$/.test(g) && Number(g) > 32) {
      kit.warn(d.granularityWhere ?? st, `persistence_granularity: keepalived programs '${g}' as the netmask ${inetAtonMask(Number(g))} (a bare number read as inet_aton reads it); ${NO_MASK}`);
      delete vs.persistenceGranularity;
    } else if (family !== 6 && /^\d+$/.test(g)) {
      kit.warn(d.granularityWhere ?? st, `persistence_granularity: vipd reads '${g}' as the prefix length /${g}; keepalived reads a bare number as the netmask ${inetAtonMask(Number(g))} (write the dotted netmask for the same table with both)`);
    }
  }
  if (target.kind === 'address') {
    const family = target.family;
    d.rs = d.rs.filter((r) => {
      if (familyOf(r.rs.address) === family || r.rs.method === 'TUN') return true;
      kit.instead(r.rs.where, `real_server ${r.rs.address}: address family differs from virtual_server ${st.args[0]?.text}`, 'this real server is skipped');
      return false;
    });
  }
  checkVirtualServer(d, kit);
  config.servers.push(d);
}

const serviceName = (t: VirtualServerTarget) => (t.kind === 'address' ? `${t.address}${t.port ? ` ${t.port}` : ''}` : t.kind === 'fwmark' ? `fwmark ${t.fwmark}` : `group ${t.group}`);

/**
 * What keepalived corrects, with its warnings: a quorum above the real servers' total weight
 * is that total; DR and TUN forward to the virtual server's port (a real or sorry server's other
 * port is reset to it, and a fwmark service's cleared); ha_suspend needs an address to watch.
 */
function checkVirtualServer(d: VsDraft, kit: Kit): void {
  const vs = d.vs;
  const t = vs.target;
  const name = `virtual_server ${serviceName(t)}`;
  const total = d.rs.reduce((n, r) => n + r.rs.weight, 0);
  if (d.rs.length > 0 && vs.quorum > total) {
    kit.warn(d.quorumWhere ?? d.where, `${name}: quorum ${vs.quorum} exceeds the total weight of its real servers (${total}), ${total} is used as keepalived does`);
    vs.quorum = total;
  }
  if (vs.haSuspend && t.kind !== 'address') {
    kit.warn(d.haSuspendWhere ?? d.where, `${name}: ha_suspend needs a virtual server address to watch, ignored as keepalived does for fwmarks`);
    delete vs.haSuspend;
  }
  if (t.kind === 'group') return; // each service of the group has its own port (config-mapping)
  const vsPort = t.kind === 'address' ? t.port : 0;
  for (const { rs } of d.rs) {
    if (rs.method === 'NAT' || rs.port === vsPort || (rs.port === 0 && t.kind === 'address')) continue;
    kit.warn(rs.where, t.kind === 'fwmark'
      ? `real_server ${rs.address}: a ${rs.method} real server of a fwmark service has no port, ${rs.port} is cleared as keepalived does`
      : `real_server ${rs.address}: port ${rs.port} differs from virtual_server port ${vsPort}, ${rs.method} forwards to ${vsPort} as keepalived does`);
    rs.port = vsPort;
  }
  const sorry = vs.sorryServer;
  const sorryMethod = sorry?.method ?? vs.method;
  if (sorry && sorryMethod !== 'NAT' && sorry.port !== 0 && sorry.port !== vsPort) {
    kit.warn(d.sorryWhere ?? d.where, `sorry_server ${sorry.address}: port ${sorry.port} differs from the virtual server's (${vsPort}), ${sorryMethod} forwards to ${vsPort || 'no port'} as keepalived does`);
    sorry.port = vsPort;
  }
}
