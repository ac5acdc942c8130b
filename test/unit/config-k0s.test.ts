// k0s's controlPlaneLoadBalancing (ClusterConfig, the cplb document, or the bare object) maps to
// the same model as the keepalived.conf k0s would render; k0s's defaults and validation
// messages (k0s pkg/apis/k0s/v1beta1/cplb.go, Kubernetes field.Error format) with file:line.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { loadK0sConfig, loadKeepalivedConfig, parseK0sConfig, type VipdConfig } from '../../src/config/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/config');

function strip<T>(v: T): T {
  if (Array.isArray(v)) return v.map(strip) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'where').map(([k, x]) => [k, strip(x)])) as T;
  }
  return v;
}

const controllers = ['192.168.122.37', '192.168.122.38', '192.168.122.39'];

t.test('ClusterConfig == the keepalived.conf k0s renders for it (one input model)', async (t) => {
  const file = path.join(fixtures, 'k0s', 'clusterconfig-single.yaml');
  const { config, warnings } = loadK0sConfig(file, { defaultInterface: () => 'eth0', controllers });
  t.same(warnings, []);
  const rendered = loadKeepalivedConfig(path.join(fixtures, 'k0s-single-master', 'keepalived.conf')).config;
  // k0s needs the notify scripts only to flip the include symlink; vipd does that itself.
  const instances = rendered.vrrpInstances.map(({ notifyMaster: _m, notifyBackup: _b, ...rest }) => rest);
  t.strictSame(strip(config.vrrpInstances), strip(instances));
  t.strictSame(strip(config.virtualServers), strip(rendered.virtualServers));
  t.strictSame(config.global, rendered.global);
  t.strictSame(config.source, { kind: 'k0s', file });
  t.strictSame(config.k0s, {
    dummyVipInterface: 'dummyvip0',
    virtualServersOnMasterOnly: true,
    ipv6AddressLabels: { 'k0s-vip-0': 10000 },
    userSpaceProxyBindPort: 6444,
    disableLoadBalancer: false,
    loadBalancer: 'ipvs',
  });
  t.strictSame(config.vrrpInstances[0]!.where, { file, line: 16 });
});

t.test('cplb document: several instances, defaults, MAC interface, IPv6 label, Go durations', async (t) => {
  const file = path.join(fixtures, 'k0s', 'cplb-multi.yaml');
  const { config, warnings } = loadK0sConfig(file, {
    defaultInterface: () => t.fail('not needed') as never,
    interfaceForMac: (mac) => (mac === '52:54:00:12:34:56' ? 'eth1' : t.fail(mac) as never),
    controllers: ['10.10.0.11'],
    apiPort: 9443,
  });
  t.same(warnings, []);
  const rendered = loadKeepalivedConfig(path.join(fixtures, 'k0s-multi', 'keepalived.conf')).config;
  const expectPort = (vs: VipdConfig['virtualServers']) =>
    strip(vs).map((v) => ({
      ...v,
      target: { ...v.target, port: 9443 },
      realServers: v.realServers.map((r) => ({ ...r, port: 9443, checkers: r.checkers.map((c) => ({ ...c, connectPort: 9443 })) })),
    }));
  t.strictSame(strip(config.vrrpInstances), strip(rendered.vrrpInstances));
  t.strictSame(strip(config.virtualServers), expectPort(rendered.virtualServers));
  t.strictSame(config.k0s, {
    dummyVipInterface: 'dummyvip0',
    virtualServersOnMasterOnly: true,
    ipv6AddressLabels: { 'k0s-vip-0': 10000, 'k0s-vip-1': 20000 },
    userSpaceProxyBindPort: 7444,
    disableLoadBalancer: false,
    loadBalancer: 'ipvs',
  });
});

t.test('bare controlPlaneLoadBalancing object with unicast peers', async (t) => {
  const { config, warnings } = loadK0sConfig(path.join(fixtures, 'k0s', 'bare-unicast.yaml'));
  t.same(warnings, []);
  const rendered = loadKeepalivedConfig(path.join(fixtures, 'k0s-unicast', 'keepalived.conf')).config;
  t.strictSame(strip(config.vrrpInstances), strip(rendered.vrrpInstances));
  t.strictSame(config.virtualServers, []);
  t.equal(config.k0s!.dummyVipInterface, undefined, 'no virtual servers, no dummyvip0');
});

t.test('spec.api.port is the virtual and real server port', async (t) => {
  const yaml = `spec:
  api:
    port: 7443
  network:
    controlPlaneLoadBalancing:
      enabled: true
      keepalived:
        vrrpInstances:
        - virtualIPs: [10.0.0.5/24]
          authPass: pw
        virtualServers:
        - ipAddress: 10.0.0.5
          delayLoop: 1m30s
`;
  const { config } = parseK0sConfig(yaml, { file: 'k0s.yaml', defaultInterface: () => 'eth9', controllers: ['10.0.0.1'] });
  t.equal(config.vrrpInstances[0]!.interface, 'eth9');
  t.equal(config.vrrpInstances[0]!.virtualRouterId, 51);
  t.match(config.virtualServers[0], { target: { port: 7443 }, delayLoop: 90, scheduler: 'rr', method: 'DR', persistenceTimeout: 360 });
  t.match(config.virtualServers[0]!.realServers[0], { address: '10.0.0.1', port: 7443, checkers: [{ connectPort: 7443, delayLoop: 90 }] });
});

t.test('enabled: false, nothing configured, unknown fields: warnings', async (t) => {
  const off = parseK0sConfig('controlPlaneLoadBalancing:\n  enabled: false\n', { file: 'k.yaml' });
  t.strictSame(off.warnings, [{ file: 'k.yaml', line: 2, message: 'controlPlaneLoadBalancing.enabled is not true: nothing to do' }]);
  const cc = parseK0sConfig('spec:\n  network:\n    controlPlaneLoadBalancing:\n      keepalived: {}\n', { file: 'k.yaml' });
  t.strictSame(cc.warnings, [{ file: 'k.yaml', line: 4, message: 'spec.network.controlPlaneLoadBalancing.enabled is not true: nothing to do' }], 'k0s default: disabled');
  t.strictSame(off.config.vrrpInstances, []);
  const none = parseK0sConfig('spec:\n  network: {}\n', { file: 'k.yaml' });
  t.strictSame(none.warnings, [{ file: 'k.yaml', line: 0, message: 'spec.network.controlPlaneLoadBalancing is not set: nothing to do' }]);
  const extra = parseK0sConfig('keepalived:\n  vrrpInstances:\n  - virtualIPs: [10.0.0.1/8]\n    authPass: x\n    interface: e0\n    priority: 5\n', { file: 'k.yaml' });
  t.strictSame(extra.warnings, [
    { file: 'k.yaml', line: 6, message: 'controlPlaneLoadBalancing.keepalived.vrrpInstances[0].priority: unknown field' },
    { file: 'k.yaml', line: 3, message: "no controller addresses (--k0s-controllers or unicast peers): the userspace proxy forwards to this node's API server only (127.0.0.1:6443)" },
  ]);
  const novs = parseK0sConfig('keepalived:\n  virtualServers:\n  - ipAddress: 10.0.0.1\n', { file: 'k.yaml' });
  t.strictSame(novs.warnings, [{ file: 'k.yaml', line: 3, message: 'no controller addresses: virtual servers have no real servers yet' }]);
});

t.test("load balancing mode, chosen as k0s chooses it: virtualServers -> IPVS, else k0s's userspace proxy", async (t) => {
  const doc = (extra: string) => `controlPlaneLoadBalancing:
  keepalived:
    vrrpInstances:
    - virtualIPs: [10.0.0.100/24]
      authPass: pw
      interface: eth0
${extra}`;
  const userspace = parseK0sConfig(doc(''), { file: 'k.yaml', controllers: ['10.0.0.1', '10.0.0.2'] });
  t.strictSame(userspace.warnings, []);
  t.strictSame(userspace.config.virtualServers, [], 'no virtual servers: no IPVS');
  t.equal(userspace.config.k0s!.dummyVipInterface, undefined, 'no dummyvip0 (k0s creates it only for IPVS)');
  t.strictSame(userspace.config.k0s!.userSpaceProxy, {
    bindPort: 6444, apiPort: 6443, backends: ['10.0.0.1', '10.0.0.2'], backendsFrom: 'controllers', balance: 'round-robin', healthCheck: 'readyz',
  }, "k0s's defaults: port 6444, round robin; vipd checks /readyz");
  t.equal(userspace.config.k0s!.loadBalancer, 'userspace');

  const tuned = parseK0sConfig(`spec:
  api:
    port: 7443
  network:
    controlPlaneLoadBalancing:
      enabled: true
      keepalived:
        userSpaceProxyBindPort: 7444
        vrrpInstances:
        - virtualIPs: [10.0.0.100/24]
          authPass: pw
          interface: eth0
          unicastSourceIP: 10.0.0.1
          unicastPeers: [10.0.0.2, 10.0.0.3]
`, { file: 'k.yaml', proxyBalance: 'least-connections', proxyHealthCheck: 'tcp' });
  t.strictSame(tuned.config.k0s!.userSpaceProxy, {
    bindPort: 7444, apiPort: 7443, backends: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], backendsFrom: 'unicast', balance: 'least-connections', healthCheck: 'tcp',
  }, 'without --k0s-controllers: the unicast source and peers; spec.api.port');

  const ipvs = parseK0sConfig(doc('    virtualServers:\n    - ipAddress: 10.0.0.100\n'), { file: 'k.yaml', controllers: ['10.0.0.1'] });
  t.equal(ipvs.config.k0s!.loadBalancer, 'ipvs');
  t.equal(ipvs.config.k0s!.userSpaceProxy, undefined, 'IPVS: no userspace proxy');
  t.equal(ipvs.config.virtualServers.length, 1);

  const off = parseK0sConfig(doc('    disableLoadBalancer: true\n    virtualServers:\n    - ipAddress: 10.0.0.100\n'), { file: 'k.yaml', controllers: ['10.0.0.1'] });
  t.equal(off.config.k0s!.loadBalancer, 'none');
  t.strictSame(off.config.virtualServers, [], 'disableLoadBalancer: no virtual servers programmed');
  t.equal(off.config.k0s!.dummyVipInterface, 'dummyvip0', 'k0s still creates dummyvip0');
  t.equal(off.config.k0s!.userSpaceProxy, undefined);
  t.strictSame(off.warnings, [{ file: 'k.yaml', line: 7, message: 'controlPlaneLoadBalancing.keepalived.disableLoadBalancer: the virtual servers are not programmed (as with k0s)' }]);

  const unicastIpvs = parseK0sConfig(`keepalived:
  vrrpInstances:
  - virtualIPs: [10.0.0.100/24]
    authPass: pw
    interface: eth0
    unicastSourceIP: 10.0.0.1
    unicastPeers: [10.0.0.2]
  virtualServers:
  - ipAddress: 10.0.0.100
`, { file: 'k.yaml' });
  t.strictSame(unicastIpvs.config.virtualServers[0]!.realServers.map((r) => r.address), ['10.0.0.1', '10.0.0.2'], 'IPVS real servers: the unicast addresses too');
  t.strictSame(unicastIpvs.warnings, []);
});

const P = 'spec.network.controlPlaneLoadBalancing.keepalived';
function cluster(keepalived: string): string {
  return `spec:\n  network:\n    controlPlaneLoadBalancing:\n      enabled: true\n      keepalived:\n${keepalived.replace(/^/gm, '        ')}\n`;
}

const ERRORS: Array<[string, string, string]> = [
  ['virtualRouterID 256', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]\n  authPass: pw\n  virtualRouterID: 256'), `k0s.yaml:9: ${P}.vrrpInstances[0].virtualRouterID: Invalid value: 256: must be between 1 and 255, inclusive`],
  ['virtualRouterID -1', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]\n  authPass: pw\n  virtualRouterID: -1'), `k0s.yaml:9: ${P}.vrrpInstances[0].virtualRouterID: Invalid value: -1: must be between 1 and 255, inclusive`],
  ['authPass missing', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]'), `k0s.yaml:7: ${P}.vrrpInstances[0].authPass: Required value`],
  ['authPass too long', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]\n  authPass: "123456789"'), `k0s.yaml:8: ${P}.vrrpInstances[0].authPass: Too long: may not be more than 8 bytes`],
  ['virtualIPs missing', cluster('vrrpInstances:\n- authPass: pw'), `k0s.yaml:7: ${P}.vrrpInstances[0].virtualIPs: Required value`],
  ['virtualIPs not CIDR', cluster('vrrpInstances:\n- virtualIPs:\n  - 10.0.0.1/24\n  - 10.0.0.2\n  authPass: pw'), `k0s.yaml:9: ${P}.vrrpInstances[0].virtualIPs[1]: Invalid value: "10.0.0.2": must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64)`],
  ['advertIntervalSeconds 0.5', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]\n  authPass: pw\n  advertIntervalSeconds: 0.5'), `k0s.yaml:9: ${P}.vrrpInstances[0].advertIntervalSeconds: Invalid value: 0.5: must be an integer`],
  ['advertIntervalSeconds -2', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]\n  authPass: pw\n  advertIntervalSeconds: -2'), `k0s.yaml:9: ${P}.vrrpInstances[0].advertIntervalSeconds: Invalid value: -2: must be greater than or equal to 1`],
  ['addressLabel reserved', cluster('vrrpInstances:\n- virtualIPs: [fd00::1/64]\n  authPass: pw\n  addressLabel: 4294967295'), `k0s.yaml:9: ${P}.vrrpInstances[0].addressLabel: Invalid value: 4294967295: 0xffffffff is reserved`],
  ['unicastPeers without source', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]\n  authPass: pw\n  unicastPeers: [10.0.0.2]'), `k0s.yaml:7: ${P}.vrrpInstances[0].unicastSourceIP: Required value: when unicastPeers are specified`],
  ['unicast peer is the source', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]\n  authPass: pw\n  unicastSourceIP: 10.0.0.2\n  unicastPeers: [10.0.0.3, 10.0.0.2]'), `k0s.yaml:10: ${P}.vrrpInstances[0].unicastPeers[1]: Invalid value: "10.0.0.2": must not be the same as unicastSourceIP`],
  ['unicast peer not an IP', cluster('vrrpInstances:\n- virtualIPs: [10.0.0.1/24]\n  authPass: pw\n  unicastSourceIP: 10.0.0.2\n  unicastPeers: [node-3]'), `k0s.yaml:10: ${P}.vrrpInstances[0].unicastPeers[0]: Invalid value: "node-3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::1)`],
  ['ipAddress missing', cluster('virtualServers:\n- lbAlgo: rr'), `k0s.yaml:7: ${P}.virtualServers[0].ipAddress: Required value`],
  ['ipAddress invalid', cluster('virtualServers:\n- ipAddress: 10.0.0.300'), `k0s.yaml:7: ${P}.virtualServers[0].ipAddress: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::1)`],
  ['lbAlgo unsupported', cluster('virtualServers:\n- ipAddress: 10.0.0.1\n  lbAlgo: mh'), `k0s.yaml:8: ${P}.virtualServers[0].lbAlgo: Unsupported value: "mh": supported values: "rr", "wrr", "lc", "wlc", "lblc", "dh", "sh", "sed", "nq"`],
  ['lbKind unsupported', cluster('virtualServers:\n- ipAddress: 10.0.0.1\n  lbKind: DSR'), `k0s.yaml:8: ${P}.virtualServers[0].lbKind: Unsupported value: "DSR": supported values: "NAT", "DR", "TUN"`],
  ['persistence too long', cluster('virtualServers:\n- ipAddress: 10.0.0.1\n  persistenceTimeoutSeconds: 2678401'), `k0s.yaml:8: ${P}.virtualServers[0].persistenceTimeoutSeconds: Invalid value: 2678401: must be between 1 and 2678400, inclusive`],
  ['delayLoop negative', cluster('virtualServers:\n- ipAddress: 10.0.0.1\n  delayLoop: -1s'), `k0s.yaml:8: ${P}.virtualServers[0].delayLoop: Invalid value: "-1s": must be positive`],
  ['delayLoop not a duration', cluster('virtualServers:\n- ipAddress: 10.0.0.1\n  delayLoop: 60'), `k0s.yaml:8: ${P}.virtualServers[0].delayLoop: Invalid value: 60: must be a duration such as 1m, 30s or 1m30s`],
  ['userSpaceProxyBindPort', cluster('userSpaceProxyBindPort: 70000'), `k0s.yaml:6: ${P}.userSpaceProxyBindPort: Invalid value: 70000: must be between 1 and 65535, inclusive`],
  ['type', 'controlPlaneLoadBalancing:\n  type: HAProxy\n', 'k0s.yaml:2: controlPlaneLoadBalancing.type: Unsupported value: "HAProxy": supported values: "Keepalived"'],
  [
    'several errors are reported together',
    cluster('vrrpInstances:\n- virtualIPs: [bad]\n  authPass: ""\nvirtualServers:\n- ipAddress: x'),
    `k0s.yaml:8: [${P}.vrrpInstances[0].authPass: Required value, ${P}.vrrpInstances[0].virtualIPs[0]: Invalid value: "bad": must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64), ${P}.virtualServers[0].ipAddress: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::1)]`,
  ],
  ['YAML syntax', 'keepalived:\n  vrrpInstances: [\n', 'k0s.yaml:3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
];

for (const [name, yaml, message] of ERRORS) {
  t.test(`validation: ${name}`, async (t) => {
    t.throws(() => parseK0sConfig(yaml, { file: 'k0s.yaml', defaultInterface: () => 'eth0', controllers }), new ConfigError(message.replace(/^k0s\.yaml:\d+: /, ''), { file: 'k0s.yaml', line: Number(/^k0s\.yaml:(\d+)/.exec(message)![1]) }));
  });
}

t.test('automatic virtualRouterIDs run out after 205 instances', async (t) => {
  const items = Array.from({ length: 206 }, (_, i) => `- virtualIPs: [10.0.${i}.1/32]\n  authPass: pw`).join('\n');
  t.throws(() => parseK0sConfig(`keepalived:\n  vrrpInstances:\n${items.replace(/^/gm, '  ')}\n`, { file: 'k.yaml', defaultInterface: () => 'eth0' }), {
    message: 'k.yaml:413: controlPlaneLoadBalancing.keepalived.vrrpInstances[205].virtualRouterID: Internal error: automatic virtualRouterIDs exceeded, specify them explicitly',
  });
});

t.test('the default-route NIC resolver failing, and MAC resolution failing', async (t) => {
  const yaml = 'keepalived:\n  vrrpInstances:\n  - virtualIPs: [10.0.0.1/24]\n    authPass: pw\n';
  t.throws(() => parseK0sConfig(yaml, { file: 'k.yaml', defaultInterface: () => { throw new Error('no default route'); } }), {
    message: 'k.yaml:3: controlPlaneLoadBalancing.keepalived.vrrpInstances[0].interface: Internal error: failed to get default NIC: no default route',
  });
  const mac = 'keepalived:\n  vrrpInstances:\n  - virtualIPs: [10.0.0.1/24]\n    authPass: pw\n    interface: "aa:bb:cc:dd:ee:ff"\n';
  t.throws(() => parseK0sConfig(mac, { file: 'k.yaml', interfaceForMac: () => { throw new Error('no link with that address'); } }), {
    message: 'k.yaml:5: controlPlaneLoadBalancing.keepalived.vrrpInstances[0].interface: Internal error: failed to get NIC for MAC address aa:bb:cc:dd:ee:ff: no link with that address',
  });
});
