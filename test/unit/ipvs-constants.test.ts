// src/ipvs/constants.ts against the kernel's own uapi header, linux/ip_vs.h (linux-libc-dev,
// installed with the C toolchain the addon is built with): every IPVS_* / IP_VS_* number vipd
// exports is re-derived from the header's #defines and enums and must be equal, so a typo or a
// shifted enum would put the wrong attribute on the wire.
import t from 'tap';
import { readFileSync } from 'node:fs';
import * as C from '../../src/ipvs/constants.js';
import { requireEnv } from '../helpers/require.js';

const header = '/usr/include/linux/ip_vs.h';

/** Names to values from the header: #define NAME <number | (1 << n) | (n) | OTHER_NAME>, and enum members. */
function headerValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const m of text.matchAll(/#define\s+(IP_?VS_\w+)\s+(0x[0-9a-fA-F]+|\d+|\(1 << \d+\)|\(\d+\)|IP_VS_\w+)/g)) {
    const v = m[2]!;
    const shift = /^\(1 << (\d+)\)$/.exec(v);
    const n = shift ? 1 << Number(shift[1]) : /^IP_VS_/.test(v) ? values.get(v) : Number(v.replace(/[()]/g, ''));
    if (n !== undefined && !Number.isNaN(n)) values.set(m[1]!, n);
  }
  for (const block of text.matchAll(/enum\s*\{([^}]*)\}/g)) {
    let next = 0;
    for (const line of block[1]!.split('\n')) {
      const m = /^\s*(\w+)\s*(?:=\s*(\d+))?\s*,/.exec(line);
      if (!m) continue;
      if (m[2] !== undefined) next = Number(m[2]);
      values.set(m[1]!, next++);
    }
  }
  return values;
}

t.test('every exported IPVS_/IP_VS_ number matches the installed header', async (t) => {
  if (!requireEnv(t, { files: [{ path: header, package: 'linux-libc-dev' }] })) return;
  const values = headerValues(readFileSync(header, 'utf8'));
  let checked = 0;
  for (const [name, value] of Object.entries(C)) {
    if (!/^IP_?VS_/.test(name) || typeof value !== 'number') continue;
    t.equal(value, values.get(name), name);
    checked++;
  }
  t.ok(checked > 80, `${checked} constants checked`);
  // The strings are not #defines the loop above sees.
  t.match(readFileSync(header, 'utf8'), new RegExp(`#define\\s+IPVS_GENL_NAME\\s+"${C.IPVS_GENL_NAME}"`), 'generic netlink family name');
});
