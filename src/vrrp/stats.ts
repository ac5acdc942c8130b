// Per-instance VRRP statistics. Names follow the VRRPv3-MIB (RFC 6527, vrrpv3Statistics*) and the VRRP-MIB
// (RFC 2787, vrrpStats* / vrrpRouter*) so they map 1:1 onto SNMP or Prometheus; a few vipd extensions are marked.
// The functions are pure: they return a new record, the runtime keeps the latest one.
import type { DropReason } from './validate.js';
import type { Action } from './state-machine.js';

/** vrrpv3StatisticsNewMasterReason. */
export type NewMasterReason = 'notMaster' | 'priority' | 'preempted' | 'masterNoResponse';
/** vrrpv3StatisticsProtoErrReason: the last protocol error. */
export type ProtoErrReason = 'noError' | 'ipTtlError' | 'versionError' | 'checksumError' | 'vrIdError';

export interface VrrpStatistics {
  readonly masterTransitions: number;
  readonly newMasterReason: NewMasterReason;
  readonly rcvdAdvertisements: number;
  /** vipd: advertisements sent (keepalived shows this too). */
  readonly sentAdvertisements: number;
  readonly intervalErrors: number;
  readonly ipTtlErrors: number;
  readonly protoErrReason: ProtoErrReason;
  readonly priorityZeroPktsRcvd: number;
  readonly priorityZeroPktsSent: number;
  readonly invalidTypeErrors: number;
  readonly addressListErrors: number;
  readonly packetLengthErrors: number;
  readonly checksumErrors: number;
  readonly versionErrors: number;
  readonly vrIdErrors: number;
  /** VRRP-MIB (v2 authentication; also every advert auth_hmac drops). */
  readonly authFailures: number;
  readonly invalidAuthType: number;
  readonly authTypeMismatch: number;
  /** vipd: unicast adverts from a source that is not a configured peer. */
  readonly unicastPeerErrors: number;
  /** vipd: adverts discarded because we are the address owner (RFC 5798 7.1). */
  readonly ownerDiscards: number;
  /** vipd: our own adverts looped back (not an error). */
  readonly ownAdverts: number;
  /** vipd: our adverts sent, as master, more than one advertisement interval late (stalls). */
  readonly lateAdverts: number;
}

export type CounterName = {
  [K in keyof VrrpStatistics]: VrrpStatistics[K] extends number ? K : never;
}[keyof VrrpStatistics];

export function emptyStatistics(): VrrpStatistics {
  return {
    masterTransitions: 0,
    newMasterReason: 'notMaster',
    rcvdAdvertisements: 0,
    sentAdvertisements: 0,
    intervalErrors: 0,
    ipTtlErrors: 0,
    protoErrReason: 'noError',
    priorityZeroPktsRcvd: 0,
    priorityZeroPktsSent: 0,
    invalidTypeErrors: 0,
    addressListErrors: 0,
    packetLengthErrors: 0,
    checksumErrors: 0,
    versionErrors: 0,
    vrIdErrors: 0,
    authFailures: 0,
    invalidAuthType: 0,
    authTypeMismatch: 0,
    unicastPeerErrors: 0,
    ownerDiscards: 0,
    ownAdverts: 0,
    lateAdverts: 0,
  };
}

/** The counter each drop reason increments. */
export const DROP_COUNTER: { readonly [R in DropReason]: CounterName } = {
  'ip-header': 'packetLengthErrors',
  ttl: 'ipTtlErrors',
  version: 'versionErrors',
  length: 'packetLengthErrors',
  checksum: 'checksumErrors',
  type: 'invalidTypeErrors',
  vrid: 'vrIdErrors',
  'own-advert': 'ownAdverts',
  'unicast-peer': 'unicastPeerErrors',
  owner: 'ownerDiscards',
  'invalid-auth-type': 'invalidAuthType',
  'auth-type-mismatch': 'authTypeMismatch',
  'auth-failure': 'authFailures',
  'address-list': 'addressListErrors',
  interval: 'intervalErrors',
  // auth_hmac failures are authentication failures (VRRP-MIB); the instance's auth_hmac counters
  // (InstanceStatus.authHmac) tell them apart.
  'auth-missing': 'authFailures',
  'auth-malformed': 'authFailures',
  'auth-unknown-key': 'authFailures',
  'auth-bad-hmac': 'authFailures',
  'auth-stale': 'authFailures',
  'auth-replay': 'authFailures',
};

const PROTO_ERR: Partial<Record<DropReason, ProtoErrReason>> = {
  ttl: 'ipTtlError',
  version: 'versionError',
  checksum: 'checksumError',
  vrid: 'vrIdError',
};

type Counters = { -readonly [K in keyof VrrpStatistics]: VrrpStatistics[K] };

/**
 * A fresh copy to count into (the functions stay pure: the record they return is new). A literal,
 * not a spread: this runs for every received advert, and spreading 20-odd fields costs ~20x more.
 */
function copy(s: VrrpStatistics): Counters {
  return {
    masterTransitions: s.masterTransitions,
    newMasterReason: s.newMasterReason,
    rcvdAdvertisements: s.rcvdAdvertisements,
    sentAdvertisements: s.sentAdvertisements,
    intervalErrors: s.intervalErrors,
    ipTtlErrors: s.ipTtlErrors,
    protoErrReason: s.protoErrReason,
    priorityZeroPktsRcvd: s.priorityZeroPktsRcvd,
    priorityZeroPktsSent: s.priorityZeroPktsSent,
    invalidTypeErrors: s.invalidTypeErrors,
    addressListErrors: s.addressListErrors,
    packetLengthErrors: s.packetLengthErrors,
    checksumErrors: s.checksumErrors,
    versionErrors: s.versionErrors,
    vrIdErrors: s.vrIdErrors,
    authFailures: s.authFailures,
    invalidAuthType: s.invalidAuthType,
    authTypeMismatch: s.authTypeMismatch,
    unicastPeerErrors: s.unicastPeerErrors,
    ownerDiscards: s.ownerDiscards,
    ownAdverts: s.ownAdverts,
    lateAdverts: s.lateAdverts,
  };
}

/** Counts a dropped packet. */
export function countDrop(stats: VrrpStatistics, reason: DropReason): VrrpStatistics {
  const next = copy(stats);
  next[DROP_COUNTER[reason]]++;
  const proto = PROTO_ERR[reason];
  if (proto) next.protoErrReason = proto;
  return next;
}

/**
 * Counts an accepted advertisement. `addressListMismatch` (the validator's flag) counts an address-list
 * error for an owner's advert that is still processed.
 */
export function countReceived(stats: VrrpStatistics, priority: number, addressListMismatch = false): VrrpStatistics {
  const next = copy(stats);
  next.rcvdAdvertisements++;
  if (priority === 0) next.priorityZeroPktsRcvd++;
  if (addressListMismatch) next.addressListErrors++;
  return next;
}

/** Counts one of our adverts that left more than one interval after it was due. */
export function countLateAdvert(stats: VrrpStatistics): VrrpStatistics {
  return { ...stats, lateAdverts: stats.lateAdverts + 1 };
}

/** Counts what the state machine did: adverts sent (and priority 0 ones), transitions to Master. */
export function countActions(stats: VrrpStatistics, actions: readonly Action[]): VrrpStatistics {
  let s = stats;
  for (const a of actions) {
    if (a.type === 'send-advert') {
      s = {
        ...s,
        sentAdvertisements: s.sentAdvertisements + 1,
        priorityZeroPktsSent: s.priorityZeroPktsSent + (a.priority === 0 ? 1 : 0),
      };
    } else if (a.type === 'notify' && a.state === 'master') {
      s = { ...s, masterTransitions: s.masterTransitions + 1, newMasterReason: newMasterReasonOf(a.reason) };
    }
  }
  return s;
}

function newMasterReasonOf(reason: string): NewMasterReason {
  switch (reason) {
    case 'owner':
      return 'priority';
    case 'preempted':
      return 'preempted';
    default:
      return 'masterNoResponse';
  }
}
