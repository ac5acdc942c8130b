// Names iproute2 (and so keepalived.conf) accepts for routing numbers: tables, protocols, scopes,
// realms and DS fields. The reserved ones are built in; the rest come from /etc/iproute2/<file>
// and <file>.d/*.conf, read when a name is not built in (a host fact, like the interface names).
import * as path from 'node:path';
import { nodeConfigFs, type ConfigFs } from './fs.js';

export type Iproute2Table = 'rt_tables' | 'rt_protos' | 'rt_scopes' | 'rt_realms' | 'rt_dsfield';

const BUILTIN: Record<Iproute2Table, Record<string, number>> = {
  rt_tables: { unspec: 0, default: 253, main: 254, local: 255 },
  rt_protos: {
    unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13, xorp: 14,
    ntk: 15, dhcp: 16, keepalived: 18, babel: 42, openr: 99, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
  },
  rt_scopes: { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 },
  rt_realms: { cosmos: 0 },
  rt_dsfield: {},
};

export const IPROUTE2_DIR = '/etc/iproute2';

/** "NUMBER NAME" lines; `#` starts a comment. */
function parseNames(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [num, name] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!num || !name) continue;
    const v = /^0x[0-9a-f]+$/i.test(num) ? parseInt(num, 16) : /^\d+$/.test(num) ? Number(num) : NaN;
    if (Number.isFinite(v) && !out.has(name)) out.set(name, v);
  }
  return out;
}

function readNames(table: Iproute2Table, fs: ConfigFs, dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (file: string) => {
    try {
      for (const [k, v] of parseNames(fs.readFile(file))) if (!out.has(k)) out.set(k, v);
    } catch {
      // a missing or unreadable file names nothing
    }
  };
  add(path.join(dir, table));
  const d = path.join(dir, `${table}.d`);
  if (fs.stat(d) === 'directory') {
    for (const f of fs.readdir(d).filter((x) => x.endsWith('.conf')).sort()) add(path.join(d, f));
  }
  return out;
}

/** The number a name stands for, or undefined. */
export function iproute2Number(table: Iproute2Table, name: string, opts: { fs?: ConfigFs; dir?: string } = {}): number | undefined {
  const builtin = BUILTIN[table][name];
  if (builtin !== undefined && Object.hasOwn(BUILTIN[table], name)) return builtin;
  return readNames(table, opts.fs ?? nodeConfigFs, opts.dir ?? IPROUTE2_DIR).get(name);
}
