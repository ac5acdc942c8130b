// Whatever the text, loading ends in a config or a ConfigError with a location: never another
// exception (a bad config must not crash the daemon, on start or on SIGHUP).
import fc from 'fast-check';
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { MemoryConfigFs, parseK0sConfig, parseKeepalivedConfig } from '../../src/config/index.js';

const PIECES = [
  'vrrp_instance', 'VI', '{', '}', '\n', ' ', 'interface', 'eth0', 'virtual_router_id', '51', '0', '-1', '256',
  'priority', 'advert_int', '0.5', '1e3', 'authentication', 'auth_pass', '123456789', 'virtual_ipaddress',
  '10.0.0.1/24', 'fd00::1/64', '10.0.0', 'unicast_peer', 'unicast_src_ip', 'notify_master', '"', "'", '#', '!', '\\',
  'virtual_server', 'fwmark', 'group', 'real_server', '6443', 'TCP_CHECK', 'HTTP_GET', 'url', 'path', 'MISC_CHECK',
  'misc_path', 'lb_algo', 'rr', 'lb_kind', 'DR', 'delay_loop', 'include', 'inc.conf', '*.conf', 'global_defs',
  'vrrp_script', 'script', 'track_script', 'vrrp_sync_group', 'virtual_server_group', 'persistence_timeout',
];

t.test('keepalived.conf: config or ConfigError', async (t) => {
  const fs = new MemoryConfigFs({ '/k/inc.conf': 'include main.conf\n', '/k/a.conf': 'vrrp_instance X {\n' });
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }), (parts) => {
      try {
        parseKeepalivedConfig(parts.join(' '), { file: '/k/main.conf', fs });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        if (e.file === undefined) throw new Error(`no file in: ${e.message}`);
      }
    }),
    { numRuns: 1500 },
  );
  t.pass();
});

t.test('k0s YAML: config or ConfigError', async (t) => {
  const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant('10.0.0.1/24'), fc.constant('1m'));
  const instance = fc.record(
    { virtualIPs: fc.oneof(value, fc.array(value)), authPass: value, interface: value, virtualRouterID: value, advertIntervalSeconds: value, unicastPeers: fc.oneof(value, fc.array(value)), unicastSourceIP: value, addressLabel: value },
    { requiredKeys: [] },
  );
  const server = fc.record({ ipAddress: value, delayLoop: value, lbAlgo: value, lbKind: value, persistenceTimeoutSeconds: value }, { requiredKeys: [] });
  const doc = fc.record({ enabled: fc.boolean(), keepalived: fc.oneof(value, fc.record({ vrrpInstances: fc.oneof(value, fc.array(instance)), virtualServers: fc.oneof(value, fc.array(server)), userSpaceProxyBindPort: value }, { requiredKeys: [] })) }, { requiredKeys: [] });
  fc.assert(
    fc.property(doc, (d) => {
      try {
        parseK0sConfig(JSON.stringify({ controlPlaneLoadBalancing: d }), { file: 'k.yaml', defaultInterface: () => 'eth0', controllers: ['10.0.0.2'] });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
      }
    }),
    { numRuns: 1500 },
  );
  t.pass();
});

t.test('k0s: arbitrary text and alias bombs give ConfigError', async (t) => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseK0sConfig(text, { file: 'k.yaml', defaultInterface: () => 'eth0' });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
      }
    }),
    { numRuns: 1000 },
  );
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 8; i++) bomb.push(`${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`);
  t.throws(() => parseK0sConfig(bomb.join('\n'), { file: 'k.yaml' }), ConfigError);
});
