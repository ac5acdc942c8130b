// virtual_server_group NAME { ADDRESS[-RANGE] [PORT] ... fwmark N [inet|inet6] }: services that
// share one virtual_server definition.
import type { Statement } from '../block-parser.js';
import type { VirtualServerGroupEntry } from '../types.js';
import { bigIntToIp, ipToBigInt, rangeSize } from '../address-range.js';
import { fail, familyOf, intArg, ipText, isIp, optArg, parseCidr, portText, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import type { Kit } from './kit.js';

export function virtualServerGroup(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const entries: VirtualServerGroupEntry[] = [];
  for (const e of kit.needBlock(st)) {
    if (e.keyword === 'fwmark') {
      const fwmark = intArg(e, 0, 1, 2 ** 32 - 1);
      const fam = optArg(e, 1);
      if (fam !== undefined && fam !== 'inet' && fam !== 'inet6') fail(e, `fwmark: '${fam}' is not inet or inet6`);
      entries.push(fam ? { kind: 'fwmark', fwmark, family: fam === 'inet' ? 4 : 6 } : { kind: 'fwmark', fwmark });
      continue;
    }
    const { first, last } = addressRange(e, e.keyword);
    const p = optArg(e, 0);
    entries.push({ kind: 'address', first, last, port: p === undefined ? 0 : portText(e, p, 'virtual_server_group'), family: familyOf(first) });
  }
  if (config.vsGroups.some((g) => g.name === name)) fail(st, `virtual_server_group ${name}: defined twice`);
  config.vsGroups.push({ name, entries, where: whereOf(st) });
}

/**
 * Largest range accepted: one IPVS service per address, and 2^24 services are already far more
 * than a kernel table holds sensibly (an IPv6 /64 would never finish).
 */
export const MAX_RANGE_ADDRESSES = 2 ** 24;

/**
 * `a.b.c.d`, `a.b.c.d-e` (last byte, decimal), `a.b.c.d-e.f.g.h`, `a.b.c.d/nn`, and the IPv6
 * forms: `fd00::1-ff` (last group, hex), `fd00::1-fd00::ff`, `fd00::/120`.
 */
function addressRange(st: Statement, text: string): { first: string; last: string } {
  const what = 'virtual_server_group';
  let first: string;
  let last: string;
  const slash = text.indexOf('/');
  const dash = text.indexOf('-');
  if (slash >= 0) {
    const { address, prefixLength, family } = parseCidr(st, text, what);
    const bits = BigInt((family === 4 ? 32 : 128) - prefixLength);
    const base = (ipToBigInt(address) >> bits) << bits;
    first = bigIntToIp(base, family);
    last = bigIntToIp(base + (1n << bits) - 1n, family);
  } else if (dash < 0) {
    first = last = ipText(st, text, what);
  } else {
    first = ipText(st, text.slice(0, dash), what);
    const tail = text.slice(dash + 1);
    if (isIp(tail)) last = tail;
    else {
      const v4 = familyOf(first) === 4;
      if (!(v4 ? /^\d{1,3}$/ : /^[0-9a-fA-F]{1,4}$/).test(tail) || (v4 && Number(tail) > 255)) fail(st, `${what}: '${text}' is not a valid address range`);
      const n = ipToBigInt(first);
      const width = v4 ? 8n : 16n;
      last = bigIntToIp(((n >> width) << width) | BigInt(v4 ? Number(tail) : parseInt(tail, 16)), familyOf(first));
    }
    if (familyOf(last) !== familyOf(first)) fail(st, `${what}: '${text}' mixes IPv4 and IPv6`);
  }
  const size = rangeSize(first, last);
  if (size === 0n) fail(st, `${what}: '${text}' is an empty range (${last} is before ${first})`);
  if (size > BigInt(MAX_RANGE_ADDRESSES)) fail(st, `${what}: '${text}' has ${size} addresses, more than ${MAX_RANGE_ADDRESSES} services`);
  return { first, last };
}
