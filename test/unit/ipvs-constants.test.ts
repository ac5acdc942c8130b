// Pins src/ipvs/constants.ts to the uapi header linux/ip_vs.h (Linux 6.1). The values below are
// copied from the header by hand; when the header is installed (/usr/include/linux/ip_vs.h,
// linux-libc-dev) the enums are also re-derived from it and compared.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import * as C from '../../src/ipvs/constants.js';

t.test('key values from ip_vs.h', async (t) => {
  t.equal(C.IPVS_GENL_NAME, 'IPVS');
  t.equal(C.IPVS_GENL_VERSION, 1);
  t.equal(C.IP_VS_VERSION_CODE, 0x010201);
  t.equal(C.IPVS_CMD_NEW_SERVICE, 1);
  t.equal(C.IPVS_CMD_GET_SERVICE, 4);
  t.equal(C.IPVS_CMD_NEW_DEST, 5);
  t.equal(C.IPVS_CMD_SET_CONFIG, 12);
  t.equal(C.IPVS_CMD_GET_INFO, 15);
  t.equal(C.IPVS_CMD_FLUSH, 17);
  t.equal(C.IPVS_SVC_ATTR_SCHED_NAME, 6);
  t.equal(C.IPVS_SVC_ATTR_PE_NAME, 11);
  t.equal(C.IPVS_SVC_ATTR_STATS64, 12);
  t.equal(C.IPVS_DEST_ATTR_ADDR_FAMILY, 11);
  t.equal(C.IPVS_DEST_ATTR_TUN_FLAGS, 15);
  t.equal(C.IPVS_STATS_ATTR_PAD, 11);
  t.equal(C.IP_VS_CONN_F_DROUTE, 3);
  t.equal(C.IP_VS_CONN_F_TUNNEL, 2);
  t.equal(C.IP_VS_CONN_F_MASQ, 0);
  t.equal(C.IP_VS_SVC_F_SCHED_SH_FALLBACK, 0x8);
  t.equal(C.IP_VS_SVC_F_SCHED_SH_PORT, 0x10);
  t.equal(C.IP_VS_CONN_F_TUNNEL_TYPE_GRE, 2);
});

const header = '/usr/include/linux/ip_vs.h';
t.test('every exported IPVS_/IP_VS_ name matches the installed header', { skip: existsSync(header) ? false : `${header} not installed` }, async (t) => {
  const text = readFileSync(header, 'utf8');
  const values = new Map<string, number>();
  for (const m of text.matchAll(/#define\s+(IP_?VS_\w+)\s+(0x[0-9a-fA-F]+|\d+|\(1 << \d+\)|\(\d+\)|IP_VS_\w+)/g)) {
    const v = m[2]!;
    const n = /^\(1 << (\d+)\)$/.exec(v) ? 1 << Number(/\d+/.exec(v.slice(5))![0]) : /^IP_VS_/.test(v) ? values.get(v) : Number(v.replace(/[()]/g, ''));
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
  let checked = 0;
  for (const [name, value] of Object.entries(C)) {
    if (!/^IP_?VS_/.test(name) || typeof value !== 'number') continue;
    t.equal(value, values.get(name), name);
    checked++;
  }
  t.ok(checked > 80, `${checked} constants checked`);
});
