// How many VIPs one advert carries (keepalived 2.4.3's "max N addresses", read from its log for 250
// VIPs on links of each MTU), the auth_hmac trailer's 28 bytes reserved when it signs; and the
// loader moving the excess to the excluded VIPs (held, not advertised) with a warning, as keepalived.
import t from 'tap';
import { maxAdvertisedAddresses } from '../../src/vrrp/advert-fit.js';
import { parseKeepalivedConfig, MemoryConfigFs } from '../../src/config/index.js';
import { formatWarning } from '../../src/config/types.js';

// [mtu, family, version, trailer, keepalived's max]
const KEEPALIVED_243: Array<[number, 4 | 6, 2 | 3, boolean, number]> = [
  [600, 4, 2, false, 137], [600, 4, 2, true, 130], [600, 4, 3, false, 139], [600, 4, 3, true, 132], [600, 6, 3, false, 33], [600, 6, 3, true, 31],
  [1000, 4, 2, false, 237], [1000, 4, 2, true, 230], [1000, 4, 3, false, 239], [1000, 4, 3, true, 232], [1000, 6, 3, false, 58], [1000, 6, 3, true, 56],
  [1500, 6, 3, false, 89], [1500, 6, 3, true, 88],
];

t.test("keepalived 2.4.3's numbers", async (t) => {
  for (const [mtu, family, version, trailer, max] of KEEPALIVED_243) {
    t.equal(maxAdvertisedAddresses({ mtu, family, version, trailer }), max, `MTU ${mtu} IPv${family} v${version}${trailer ? ' auth_hmac' : ''}: ${max}`);
  }
});

t.test('the loader holds the excess without advertising it, with a warning', async (t) => {
  const vips = Array.from({ length: 90 }, (_, i) => `    fd00:1::${(i + 1).toString(16)}/64`).join('\n');
  const conf = (auth: string) => `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n${auth}  virtual_ipaddress {\n${vips}\n  }\n}\n`;
  const load = (auth: string) => parseKeepalivedConfig(conf(auth), { file: '/k.conf', fs: new MemoryConfigFs({}), configId: 'x', mtuOf: (i) => (i === 'eth0' ? 1500 : undefined) });
  const plain = load('');
  t.equal(plain.config.vrrpInstances[0]!.virtualIpAddresses.length, 89);
  t.same(plain.config.vrrpInstances[0]!.virtualIpAddressesExcluded.map((v) => v.address), ['fd00:1::5a'], 'the last one is held, not advertised');
  t.match(plain.warnings.map(formatWarning), [/k.conf:1: vrrp_instance V: 90 virtual addresses do not fit in one advert on eth0 \(MTU 1500: at most 89\)/]);
  const key = `  auth_hmac {\n    key 1 hex:${'ab'.repeat(32)}\n    active_key 1\n  }\n`;
  t.equal(load(key).config.vrrpInstances[0]!.virtualIpAddresses.length, 88, 'the auth_hmac trailer takes 28 bytes');
  t.equal(load(key.replace('active_key 1', 'active_key 1\n    mode receive-only')).config.vrrpInstances[0]!.virtualIpAddresses.length, 89, 'receive-only sends no trailer');
});
