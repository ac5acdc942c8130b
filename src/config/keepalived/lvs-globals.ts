// The IPVS settings of global_defs: lvs_timeouts and lvs_sync_daemon (ranges as keepalived 2.2.7
// checks them).
import { isIPv4, isIPv6 } from 'node:net';
import type { Statement } from '../block-parser.js';
import type { LvsSyncDaemonSpec, LvsTimeouts, VrrpInstanceSpec } from '../types.js';
import { fail, MissingValueError, optArg, parseIntText, whereOf } from '../values.js';
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

/**
 * `lvs_sync_daemon INTERFACE [[inst] VRRP_INSTANCE] [SYNC_ID] [id N] [maxlen N] [port N] [ttl N]
 * [group ADDR]`, as keepalived 2.2.7 reads it: without a usable interface the line is ignored; a
 * bad sync id leaves the VRID's; a bad option value, or a word that is not an option, is left out.
 * An option given twice stays an error: which one keepalived keeps cannot be seen (it logs nothing,
 * and its sync daemon needs IPVS, which the test hosts' kernels lack).
 */
export function lvsSyncDaemon(st: Statement, kit: Kit): SyncDaemonDraft | undefined {
  const ifname = optArg(st, 0);
  if (ifname === undefined) return void kit.instead(st, 'lvs_sync_daemon: missing interface', 'no sync daemon is started');
  // IFNAMSIZ - 1, and what `ip link` accepts as a name.
  if (!/^[^\s/:]{1,15}$/.test(ifname) || ifname === '.' || ifname === '..') {
    return void kit.instead(st, `lvs_sync_daemon: '${ifname}' is not an interface name (1..15 characters)`, 'no sync daemon is started');
  }
  const out: SyncDaemonDraft = { interface: ifname, where: whereOf(st) };
  const a = st.args.map((t) => t.text);
  const vrid = 'the sync id is the VRID';
  let i = 1;
  if (a[i] === 'inst') {
    if (a[i + 1] === undefined) throw new MissingValueError('lvs_sync_daemon: inst needs a vrrp_instance name', whereOf(st));
    out.instance = a[i + 1]!;
    i += 2;
  } else if (a[i] !== undefined && !SYNC_OPTIONS.has(a[i]!)) {
    out.instance = a[i]!;
    i++;
  }
  // The older form's sync id after the instance.
  if (a[i] !== undefined && !SYNC_OPTIONS.has(a[i]!)) {
    kit.tolerate(st, () => (out.syncId = parseIntText(st, a[i]!, 'lvs_sync_daemon sync id', 0, 255)), vrid);
    i++;
  }
  const seen = new Set<string>();
  while (i < a.length) {
    const opt = a[i]!;
    if (!SYNC_OPTIONS.has(opt)) {
      kit.instead(st, `lvs_sync_daemon: '${opt}' is not an option (id, maxlen, port, ttl, group)`, 'ignored');
      i++;
      continue;
    }
    if (seen.has(opt)) fail(st, `lvs_sync_daemon: ${opt} given twice`);
    seen.add(opt);
    const v = a[i + 1];
    i += 2;
    if (v === undefined) {
      kit.instead(st, `lvs_sync_daemon: ${opt} needs a value`, opt === 'id' ? vrid : 'ignored');
      continue;
    }
    const what = `lvs_sync_daemon ${opt}`;
    kit.tolerate(st, () => {
      switch (opt) {
        case 'id': out.syncId = parseIntText(st, v, what, 0, 255); break;
        case 'maxlen': out.maxLen = parseIntText(st, v, what, 1, 65507); break;
        case 'port': out.port = parseIntText(st, v, what, 1, 65535); break;
        case 'ttl': out.ttl = parseIntText(st, v, what, 1, 255); break;
        default:
          if (!isMulticast(v)) fail(st, `lvs_sync_daemon group: '${v}' is not a multicast address (224.0.0.0/4 or ff00::/8)`);
          out.group = v;
      }
    }, opt === 'id' ? vrid : 'ignored');
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
