// The IPVS settings of global_defs: lvs_timeouts and lvs_sync_daemon (ranges as keepalived 2.2.7
// checks them; where keepalived logs "- ignoring" and goes on, vipd refuses the file at the line).
import { isIPv4, isIPv6 } from 'node:net';
import type { Statement } from '../block-parser.js';
import type { LvsSyncDaemonSpec, LvsTimeouts, VrrpInstanceSpec } from '../types.js';
import { argText, fail, parseIntText, whereOf } from '../values.js';
import type { Kit } from './kit.js';

/** keepalived's upper bound for a timeout: 31 days. */
export const LVS_TIMEOUT_MAX = 2678400;
const TIMEOUT_KEYS: Record<string, keyof Omit<LvsTimeouts, 'where'>> = { tcp: 'tcp', tcpfin: 'tcpFin', udp: 'udp' };

/** `lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]`, at least one. */
export function lvsTimeouts(st: Statement): LvsTimeouts {
  const out: LvsTimeouts = { where: whereOf(st) };
  const a = st.args.map((t) => t.text);
  if (a.length === 0) fail(st, 'lvs_timeouts: needs at least one of tcp, tcpfin, udp with a number of seconds');
  for (let i = 0; i < a.length; i += 2) {
    const key = TIMEOUT_KEYS[a[i]!];
    if (!key) fail(st, `lvs_timeouts: '${a[i]}' is not tcp, tcpfin or udp`);
    const v = a[i + 1];
    if (v === undefined) fail(st, `lvs_timeouts: ${a[i]} needs a number of seconds`);
    out[key] = parseIntText(st, v, `lvs_timeouts ${a[i]}`, 0, LVS_TIMEOUT_MAX);
  }
  return out;
}

const SYNC_OPTIONS = new Set(['id', 'maxlen', 'port', 'ttl', 'group']);

/** A multicast group: 224.0.0.0/4 or ff00::/8. */
function isMulticast(a: string): boolean {
  if (isIPv4(a)) return Number(a.split('.')[0]) >= 224 && Number(a.split('.')[0]) <= 239;
  return isIPv6(a) && /^ff/i.test(a);
}

/** lvs_sync_daemon as written: the sync id may wait for the instance's VRID (finishSyncDaemon). */
export type SyncDaemonDraft = Omit<LvsSyncDaemonSpec, 'syncId'> & { syncId?: number };

/** `lvs_sync_daemon INTERFACE [[inst] VRRP_INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`. */
export function lvsSyncDaemon(st: Statement): SyncDaemonDraft {
  const ifname = argText(st, 0, 'interface');
  // IFNAMSIZ - 1, and what `ip link` accepts as a name.
  if (!/^[^\s/:]{1,15}$/.test(ifname) || ifname === '.' || ifname === '..') fail(st, `lvs_sync_daemon: '${ifname}' is not an interface name (1..15 characters)`);
  const out: SyncDaemonDraft = { interface: ifname, where: whereOf(st) };
  const a = st.args.map((t) => t.text);
  let i = 1;
  if (a[i] === 'inst') {
    if (a[i + 1] === undefined) fail(st, 'lvs_sync_daemon: inst needs a vrrp_instance name');
    out.instance = a[i + 1]!;
    i += 2;
  } else if (a[i] !== undefined && !SYNC_OPTIONS.has(a[i]!)) {
    out.instance = a[i]!;
    i++;
  }
  const seen = new Set<string>();
  for (; i < a.length; i += 2) {
    const opt = a[i]!;
    if (!SYNC_OPTIONS.has(opt)) fail(st, `lvs_sync_daemon: '${opt}' is not an option (id, maxlen, port, ttl, group)`);
    if (seen.has(opt)) fail(st, `lvs_sync_daemon: ${opt} given twice`);
    seen.add(opt);
    const v = a[i + 1];
    if (v === undefined) fail(st, `lvs_sync_daemon: ${opt} needs a value`);
    const what = `lvs_sync_daemon ${opt}`;
    switch (opt) {
      case 'id': out.syncId = parseIntText(st, v, what, 0, 255); break;
      case 'maxlen': out.maxLen = parseIntText(st, v, what, 1, 65507); break;
      case 'port': out.port = parseIntText(st, v, what, 1, 65535); break;
      case 'ttl': out.ttl = parseIntText(st, v, what, 1, 255); break;
      default:
        if (!isMulticast(v)) fail(st, `lvs_sync_daemon group: '${v}' is not a multicast address (224.0.0.0/4 or ff00::/8)`);
        out.group = v;
    }
  }
  return out;
}

/**
 * Once the instances are known: the sync id defaults to the instance's VRID (0 without an
 * instance); an instance that does not exist means no sync daemon, as keepalived does.
 */
export function finishSyncDaemon(spec: SyncDaemonDraft | undefined, instances: VrrpInstanceSpec[], kit: Kit): LvsSyncDaemonSpec | undefined {
  if (!spec) return undefined;
  let vrid = 0;
  if (spec.instance !== undefined) {
    const inst = instances.find((x) => x.name === spec.instance);
    if (!inst) {
      kit.warn(spec.where, `lvs_sync_daemon: vrrp_instance '${spec.instance}' is not defined, no sync daemon is started as keepalived does`);
      return undefined;
    }
    vrid = inst.virtualRouterId;
  }
  return { ...spec, syncId: spec.syncId ?? vrid };
}
