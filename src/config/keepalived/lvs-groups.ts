// virtual_server_group NAME { ADDRESS[-RANGE] [PORT] ... fwmark N [inet|inet6] }: services that
// share one virtual_server definition.
import type { Statement } from '../block-parser.js';
import type { VirtualServerGroupEntry } from '../types.js';
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

/** `a.b.c.d`, `a.b.c.d-e` (last component), `a.b.c.d-e.f.g.h`, `a.b.c.d/nn`, and IPv6 equivalents. */
function addressRange(st: Statement, text: string): { first: string; last: string } {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const { address, prefixLength, family } = parseCidr(st, text, 'virtual_server_group');
    if (family === 6) return { first: address, last: address };
    const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - prefixLength);
    const base = Math.floor(n / size) * size;
    return { first: v4(base), last: v4(base + size - 1) };
  }
  const dash = text.indexOf('-');
  if (dash < 0) return { first: ipText(st, text, 'virtual_server_group'), last: text };
  const first = ipText(st, text.slice(0, dash), 'virtual_server_group');
  const tail = text.slice(dash + 1);
  if (isIp(tail)) return { first, last: tail };
  const sep = familyOf(first) === 4 ? '.' : ':';
  const last = first.slice(0, first.lastIndexOf(sep) + 1) + tail;
  if (!isIp(last)) fail(st, `virtual_server_group: '${text}' is not a valid address range`);
  return { first, last };
}

function v4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
