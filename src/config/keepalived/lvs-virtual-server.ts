// virtual_server IP [PORT] | fwmark N | group NAME { ... }: one IPVS service (or a group's) and
// its real servers.
import { isIPv4 } from 'node:net';
import type { Statement } from '../block-parser.js';
import { PERSISTENCE_TIMEOUT_DEFAULT, VIRTUAL_SERVER_DEFAULTS } from '../defaults.js';
import type { LvsProtocol, VirtualServerTarget } from '../types.js';
import {
  argText, boolArg, fail, familyOf, intArg, ipArg, ipText, optArg, portText, whereOf,
} from '../values.js';
import type { ConfigDraft, VsDraft } from './draft.js';
import { asKeepalivedTable, implemented, warned, type Handler, type Kit, type KeywordTable } from './kit.js';
import { timingKeywords } from './lvs-checkers.js';
import { realServer } from './lvs-real-server.js';
import { lvsMethod, scheduler } from './lvs-values.js';

/**
 * IPv4: a contiguous dotted netmask or a prefix length 0..32; IPv6: a prefix length 1..128 (the
 * family is the virtual server's, IPv4 for groups and fwmarks unless ip_family says otherwise,
 * and is checked again once the whole block is read).
 */
function granularity(st: Statement): string {
  const v = argText(st, 0, 'netmask');
  const bad = (): never => fail(st, `persistence_granularity: '${v}' is not a netmask or prefix length`);
  if (/^\d+$/.test(v)) {
    if (Number(v) > 128) bad();
    return v;
  }
  if (!isIPv4(v)) bad();
  const bits = v.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) fail(st, `persistence_granularity: '${v}' is not a contiguous netmask`);
  return v;
}

const flag: Handler<VsDraft> = (s, d) => d.vs.schedulerFlags.push(s.keyword);
const method: Handler<VsDraft> = (s, d) => (d.vs.method = lvsMethod(s));
const sched: Handler<VsDraft> = (s, d) => (d.vs.scheduler = scheduler(s));

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
  persistence_granularity: implemented((s, d) => {
    d.vs.persistenceGranularity = granularity(s);
    d.granularityWhere = whereOf(s);
  }),
  protocol: implemented((s, d) => {
    const p = argText(s, 0, 'TCP, UDP or SCTP');
    if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') fail(s, `protocol: '${p}' is not TCP, UDP or SCTP`);
    d.vs.protocol = p as LvsProtocol;
    d.protocolSet = true;
  }),
  ops: implemented((_s, d) => (d.vs.ops = true)),
  quorum: implemented((s, d, kit) => {
    d.vs.quorum = intArg(s, 0, 0, 2 ** 32 - 1);
    if (d.vs.quorum === 0) {
      kit.warn(s, 'quorum: 0 is out of range 1..4294967295, 1 is used as keepalived does');
      d.vs.quorum = 1;
    }
  }),
  hysteresis: implemented((s, d) => (d.vs.hysteresis = intArg(s, 0, 0, 2 ** 31 - 1))),
  alpha: implemented((s, d) => (d.vs.alpha = boolArg(s, 0))),
  omega: implemented((s, d) => (d.vs.omega = boolArg(s, 0))),
  inhibit_on_failure: implemented((s, d) => (d.vs.inhibitOnFailure = boolArg(s, 0))),
  quorum_up: warned('the script is not run (the quorum change is logged)', (s, d, kit) => (d.vs.quorumUp = kit.command(s))),
  quorum_down: warned('the script is not run (the quorum change is logged)', (s, d, kit) => (d.vs.quorumDown = kit.command(s))),
  sorry_server: implemented((s, d) => {
    const addr = ipArg(s, 0);
    const p = optArg(s, 1);
    d.vs.sorryServer = { address: addr, port: p === undefined ? 0 : portText(s, p, 'sorry_server', 0), inhibit: d.vs.sorryServer?.inhibit ?? false };
  }),
  sorry_server_inhibit: warned('the sorry server is removed, not set to weight 0, when real servers come back', (_s, d) => {
    if (d.vs.sorryServer) d.vs.sorryServer.inhibit = true;
    else d.vs.sorryServer = { address: '', port: 0, inhibit: true };
  }),
  virtualhost: implemented((s, d) => (d.vs.virtualhost = argText(s, 0, 'host name'))),
  ip_family: implemented((s, d) => {
    const f = argText(s, 0, 'inet or inet6');
    if (f !== 'inet' && f !== 'inet6') fail(s, `ip_family: '${f}' is not inet or inet6`);
    if (d.vs.target.kind === 'fwmark') d.vs.target.family = f === 'inet' ? 4 : 6;
  }),
  ...timingKeywords<VsDraft>((d) => d.timing),
  real_server: implemented((s, d, kit) => d.rs.push(realServer(s, d, kit)), { block: 'real_server' }),
  'flag-1': implemented(flag),
  'flag-2': implemented(flag),
  'flag-3': warned('IP_VS_SVC_F_SCHED3 is not set', flag),
  'sh-port': implemented(flag),
  'sh-fallback': implemented(flag),
  'mh-port': implemented(flag),
  'mh-fallback': implemented(flag),
  ha_suspend: warned('the service is programmed whatever the VRRP state'),
  quorum_max: warned('there is no upper quorum'),
  smtp_alert: warned('no e-mail is sent'),
  snmp_name: warned('there is no SNMP agent'),
  persistence_engine: warned('no persistence engine is set'),
  sorry_server_lvs_method: warned("the sorry server uses the virtual server's method"),
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
  const { delayLoop: _delayLoop, ...defaults } = VIRTUAL_SERVER_DEFAULTS;
  const d: VsDraft = {
    vs: { target, ...defaults, schedulerFlags: [], where: whereOf(st) },
    timing: {},
    rs: [],
    protocolSet: false,
    portGiven,
    where: whereOf(st),
  };
  kit.apply(kit.needBlock(st), VIRTUAL_SERVER, d, `virtual_server ${st.args.map((t) => t.text).join(' ')}`);
  const vs = d.vs;
  // keepalived 2.2.7 (observed) picks UDP when `protocol` is missing, and says so.
  if (!d.protocolSet && target.kind !== 'fwmark') kit.warn(st, `virtual_server: no protocol set, defaulting to UDP as keepalived does`);
  if (d.protocolSet && target.kind === 'fwmark') kit.warn(st, `virtual_server fwmark ${target.fwmark}: a fwmark service has no protocol, 'protocol' is ignored as keepalived does`);
  if (vs.sorryServer && vs.sorryServer.address === '') fail(st, `virtual_server: sorry_server_inhibit without sorry_server`);
  if (target.kind === 'address' && !portGiven && vs.persistenceTimeout === undefined) {
    fail(st, `virtual_server ${target.address}: a port is required unless the service is persistent`);
  }
  const g = vs.persistenceGranularity;
  if (g !== undefined) {
    const family = target.kind === 'group' ? undefined : target.family;
    if (family === 6 && (!/^\d+$/.test(g) || Number(g) < 1)) fail(d.granularityWhere ?? st, `persistence_granularity: '${g}' is not an IPv6 prefix length (1..128)`);
    if (family === 4 && /^\d+$/.test(g) && Number(g) > 32) fail(d.granularityWhere ?? st, `persistence_granularity: '${g}' is not an IPv4 prefix length (0..32)`);
  }
  if (target.kind === 'address') {
    const family = target.family;
    d.rs = d.rs.filter((r) => {
      if (familyOf(r.rs.address) === family || r.rs.method === 'TUN') return true;
      kit.instead(r.rs.where, `real_server ${r.rs.address}: address family differs from virtual_server ${st.args[0]?.text}`, 'this real server is skipped');
      return false;
    });
  }
  config.servers.push(d);
}
