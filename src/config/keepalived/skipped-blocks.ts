// Blocks vipd accepts with one warning and does not read: what is inside is listed so the
// keyword table covers it (docs, the man-page test), and so implementing one starts from here.
import { skippedBlock, warned } from './kit.js';

export const BFD_NOTE = 'no BFD session is run';
export const GARP_GROUP_NOTE = 'GARP/NA intervals come from global_defs';
export const TRACK_GROUP_NOTE = 'track groups are not used: a deleted static address or rule is put back, no instance changes state';
export const LINKBEAT_NOTE = 'link state comes from netlink';

export const BFD_INSTANCE = skippedBlock(BFD_NOTE, ['neighbor_ip', 'source_ip', 'min_rx', 'min_tx', 'idle_tx', 'multiplier', 'passive', 'ttl', 'hoplimit', 'max_hops', 'multihop', 'weight', 'vrrp', 'checker']);
export const GARP_GROUP = { ...skippedBlock(GARP_GROUP_NOTE, ['garp_interval', 'gna_interval', 'interface']), interfaces: warned(GARP_GROUP_NOTE, undefined, { list: true }) };
export const TRACK_GROUP = { group: warned(TRACK_GROUP_NOTE, undefined, { list: true }) };
