// The kernel's IPVS connection sync daemon (one master and one backup per network namespace):
// packed into / unpacked from the attributes nested in IPVS_CMD_ATTR_DAEMON. Wire quirks: the
// port and maxlen are host-order u16 (unlike a service's port), the IPv4 group is 4 bytes in
// network order and the IPv6 group has its own attribute; attribute order is ipvsadm's.
import { isIPv4 } from 'node:net';
import type { AttributeDecoder, AttributeEncoder } from '../netif/netlink/attributes.js';
import { bytesToIp, ipToBytes } from '../netif/ip-address.js';
import { DecodeError } from '../errors.js';
import * as C from './constants.js';
import { canonicalIp } from './service.js';

export type SyncDaemonState = 'master' | 'backup';

export interface SyncDaemon {
  state: SyncDaemonState;
  /** Multicast interface (ipvsadm --mcast-interface). */
  interface: string;
  /** 0..255 (ipvsadm --syncid). */
  syncId: number;
  /** UDP payload size; undefined on start = the kernel's default for the interface MTU. */
  maxLen?: number | undefined;
  /** Multicast group; undefined on start = 224.0.0.81. */
  group?: string | undefined;
  /** UDP port; undefined on start = 8848. */
  port?: number | undefined;
  /** Multicast TTL; undefined on start = 1. */
  ttl?: number | undefined;
}

/** The kernel's defaults for what NEW_DAEMON leaves out. */
export const DEFAULT_GROUP = '224.0.0.81';
export const DEFAULT_PORT = 8848;

const STATES: Record<SyncDaemonState, number> = { master: C.IP_VS_STATE_MASTER, backup: C.IP_VS_STATE_BACKUP };

export function stateNumber(s: SyncDaemonState): number {
  const n = STATES[s];
  if (n === undefined) throw new TypeError(`IPVS: unknown sync daemon state ${JSON.stringify(s)}`);
  return n;
}

/** Everything IPVS_CMD_NEW_DAEMON takes, in ipvsadm's order. */
export function packSyncDaemon(e: AttributeEncoder, d: SyncDaemon): void {
  if (d.interface.length === 0 || Buffer.byteLength(d.interface) >= C.IP_VS_IFNAME_MAXLEN) {
    throw new TypeError(`IPVS: sync daemon interface ${JSON.stringify(d.interface)} must be 1..${C.IP_VS_IFNAME_MAXLEN - 1} bytes`);
  }
  if (!Number.isInteger(d.syncId) || d.syncId < 0 || d.syncId > 255) throw new TypeError(`IPVS: sync id ${d.syncId} is not 0..255`);
  e.uint32(C.IPVS_DAEMON_ATTR_STATE, stateNumber(d.state));
  e.string(C.IPVS_DAEMON_ATTR_MCAST_IFN, d.interface);
  e.uint32(C.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId);
  if (d.maxLen !== undefined) e.uint16(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.maxLen);
  if (d.port !== undefined) e.uint16(C.IPVS_DAEMON_ATTR_MCAST_PORT, d.port);
  if (d.ttl !== undefined) e.uint8(C.IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl);
  if (d.group !== undefined) {
    if (isIPv4(d.group)) e.bytes(C.IPVS_DAEMON_ATTR_MCAST_GROUP, ipToBytes(d.group));
    else e.bytes(C.IPVS_DAEMON_ATTR_MCAST_GROUP6, ipToBytes(d.group));
  }
}

/** IPVS_CMD_DEL_DAEMON: the state picks the daemon; ipvsadm sends an empty name and sync id 0 along. */
export function packSyncDaemonStop(e: AttributeEncoder, state: SyncDaemonState): void {
  e.uint32(C.IPVS_DAEMON_ATTR_STATE, stateNumber(state));
  e.string(C.IPVS_DAEMON_ATTR_MCAST_IFN, '');
  e.uint32(C.IPVS_DAEMON_ATTR_SYNC_ID, 0);
}

/** One running daemon from a GET_DAEMON reply; unknown attributes are ignored. */
export function unpackSyncDaemon(d: AttributeDecoder): SyncDaemon {
  let state: number | undefined, ifname: string | undefined, syncId = 0;
  let maxLen: number | undefined, port: number | undefined, ttl: number | undefined, group: string | undefined;
  while (d.next()) {
    switch (d.type) {
      case C.IPVS_DAEMON_ATTR_STATE: state = d.uint32(); break;
      case C.IPVS_DAEMON_ATTR_MCAST_IFN: ifname = d.string(); break;
      case C.IPVS_DAEMON_ATTR_SYNC_ID: syncId = d.uint32(); break;
      case C.IPVS_DAEMON_ATTR_SYNC_MAXLEN: maxLen = d.uint16(); break;
      case C.IPVS_DAEMON_ATTR_MCAST_PORT: port = d.uint16(); break;
      case C.IPVS_DAEMON_ATTR_MCAST_TTL: ttl = d.uint8(); break;
      case C.IPVS_DAEMON_ATTR_MCAST_GROUP: {
        const b = d.bytes();
        if (b.length !== 4) throw new DecodeError(`IPVS: sync daemon IPv4 group of ${b.length} bytes`);
        group = bytesToIp(b);
        break;
      }
      case C.IPVS_DAEMON_ATTR_MCAST_GROUP6: {
        const b = d.bytes();
        if (b.length !== 16) throw new DecodeError(`IPVS: sync daemon IPv6 group of ${b.length} bytes`);
        group = bytesToIp(b);
        break;
      }
      default: break;
    }
  }
  const err = d.err();
  if (err) throw err;
  const name = (Object.keys(STATES) as SyncDaemonState[]).find((k) => STATES[k] === state);
  if (!name) throw new DecodeError(`IPVS: sync daemon in state ${state ?? 'none'}`);
  if (ifname === undefined) throw new DecodeError('IPVS: sync daemon without IPVS_DAEMON_ATTR_MCAST_IFN');
  return {
    state: name, interface: ifname, syncId,
    ...(maxLen !== undefined ? { maxLen } : {}), ...(group !== undefined ? { group } : {}),
    ...(port !== undefined ? { port } : {}), ...(ttl !== undefined ? { ttl } : {}),
  };
}

/** Whether a running daemon is the one asked for (unset options match the kernel's defaults). */
export function sameSyncDaemon(want: SyncDaemon, have: SyncDaemon): boolean {
  return want.state === have.state && want.interface === have.interface && want.syncId === have.syncId
    && (want.maxLen === undefined || want.maxLen === have.maxLen)
    && canonicalIp(want.group ?? DEFAULT_GROUP) === canonicalIp(have.group ?? DEFAULT_GROUP)
    && (want.port ?? DEFAULT_PORT) === (have.port ?? DEFAULT_PORT)
    && (want.ttl ?? 1) === (have.ttl ?? 1);
}
