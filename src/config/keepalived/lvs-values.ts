// Values shared by the LVS blocks: scheduler names and forwarding methods (with their tunnel options).
import type { Statement } from '../block-parser.js';
import { LVS_SCHEDULERS, type LvsMethod, type LvsScheduler, type TunnelSpec } from '../types.js';
import { argText, fail, portText } from '../values.js';

export function scheduler(st: Statement): LvsScheduler {
  const v = argText(st, 0, 'scheduler');
  const i = (LVS_SCHEDULERS as readonly string[]).indexOf(v);
  if (i < 0) fail(st, `${st.keyword}: unknown scheduler '${v}' (one of ${LVS_SCHEDULERS.join(' ')})`);
  // The table's string, not the token's copy: one string for every virtual server.
  return LVS_SCHEDULERS[i]!;
}

export function lvsMethod(st: Statement): LvsMethod {
  return forwarding(st).method;
}

export interface Forwarding {
  method: LvsMethod;
  tunnel?: TunnelSpec;
}

const CHECKSUMS = ['nocsum', 'csum', 'remcsum'] as const;
const NAT: Forwarding = Object.freeze({ method: 'NAT' }), DR: Forwarding = Object.freeze({ method: 'DR' });

/**
 * `NAT|DR` or `TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`, with keepalived's rules: GUE
 * needs a port and only GUE has one, IPIP takes no checksum option and GRE no remcsum.
 */
export function forwarding(st: Statement, first = 0): Forwarding {
  const k = st.keyword;
  const v = argText(st, first, 'NAT, DR or TUN');
  if (v !== 'NAT' && v !== 'DR' && v !== 'TUN') fail(st, `${k}: '${v}' is not NAT, DR or TUN`);
  const rest = st.args.slice(first + 1).map((t) => t.text);
  if (v !== 'TUN') {
    if (rest.length) fail(st, `${k}: '${rest.join(' ')}' after ${v} (only TUN takes tunnel options)`);
    // Literals, not the token's copy: one string for every server.
    return v === 'NAT' ? NAT : DR;
  }
  const tunnel: TunnelSpec = { type: 'ipip' };
  let i = 0;
  if (rest[i] === 'type') {
    const type = rest[i + 1];
    if (type !== 'ipip' && type !== 'gue' && type !== 'gre') fail(st, `${k}: tunnel type '${type ?? ''}' is not ipip, gue or gre`);
    tunnel.type = type;
    i += 2;
    if (type === 'gue') {
      if (rest[i] !== 'port') fail(st, `${k}: a gue tunnel needs 'port N'`);
      const p = rest[i + 1];
      if (p === undefined) fail(st, `${k}: missing gue tunnel port`);
      tunnel.port = portText(st, p, `${k} gue port`);
      i += 2;
    }
  }
  if (rest[i] === 'port') fail(st, `${k}: only a gue tunnel has a port`);
  const csum = rest[i];
  if (csum !== undefined) {
    if (!(CHECKSUMS as readonly string[]).includes(csum)) fail(st, `${k}: '${csum}' is not a tunnel option (type, nocsum, csum or remcsum)`);
    if (tunnel.type === 'ipip') fail(st, `${k}: an ipip tunnel takes no checksum option ('${csum}')`);
    if (tunnel.type === 'gre' && csum === 'remcsum') fail(st, `${k}: a gre tunnel does not support remcsum`);
    tunnel.checksum = csum as TunnelSpec['checksum'];
    i++;
  }
  if (i < rest.length) fail(st, `${k}: unexpected '${rest.slice(i).join(' ')}'`);
  return tunnel.type === 'ipip' && tunnel.checksum === undefined ? { method: 'TUN' } : { method: 'TUN', tunnel };
}
