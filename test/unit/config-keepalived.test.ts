// keepalived.conf as k0s renders it (template from k0s pkg/component/controller/cplb, rendered
// with realistic values; the fixtures keep Go template's leftover blank lines and comments) and
// the general grammar: includes, globs, symlinks, quoting, keywords in any order, warnings.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  defaultGarp,
  defaultGlobal,
  loadKeepalivedConfig,
  MemoryConfigFs,
  parseKeepalivedConfig,
  type VipdConfig,
  type VrrpInstanceSpec,
  type VirtualServerSpec,
} from '../../src/config/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/config');

/** Drop `where` (source positions) so models compare by content; positions are tested apart. */
function strip<T>(v: T): T {
  if (Array.isArray(v)) return v.map(strip) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'where').map(([k, x]) => [k, strip(x)])) as T;
  }
  return v;
}

// keepalived's defaults come from the one place the loaders take them from.
const GLOBAL_DEFAULTS: VipdConfig['global'] = defaultGlobal();

const INSTANCE_DEFAULTS = {
  state: 'BACKUP',
  priority: 200,
  version: 2,
  family: 4,
  virtualIpAddressesExcluded: [],
  unicastPeers: [],
  checkUnicastSrc: false,
  preempt: true,
  preemptDelay: 0,
  accept: true,
  strict: false,
  trackInterfaces: [],
  trackScripts: [],
  trackFiles: [],
  trackProcesses: [],
  notifyPriorityChanges: false,
  dontTrackPrimary: false,
  nativeIpv6: false,
  ...defaultGarp(),
} as const;

/** A warning from the keyword table's "warned" outcome (what vipd does not do). */
function unsupported(w: { message: string }): boolean {
  return w.message.includes(': not supported by vipd, ');
}

function vip(address: string, prefixLength: number, family: 4 | 6 = 4) {
  return { address, prefixLength, family, noTrack: false };
}

function setstate(state: string) {
  return {
    argv: ['/usr/local/bin/k0s', 'keepalived-setstate', '-r', '/run/k0s', '-s', state],
    text: `'/usr/local/bin/k0s' keepalived-setstate -r '/run/k0s' -s ${state}`,
  };
}

const SINGLE_INSTANCE = {
  ...INSTANCE_DEFAULTS,
  name: 'k0s-vip-0',
  interface: 'eth0',
  virtualRouterId: 51,
  advertIntervalCs: 100,
  authentication: { type: 'PASS', pass: 'Example1' },
  virtualIpAddresses: [vip('192.168.122.200', 24)],
  notifyMaster: setstate('MASTER'),
  notifyBackup: setstate('BACKUP'),
} as unknown as VrrpInstanceSpec;

function k0sRealServer(address: string, port: number, delayLoop: number, method = 'DR') {
  return {
    address,
    port,
    weight: 1,
    method,
    inhibitOnFailure: false,
    checkers: [
      { type: 'TCP_CHECK', retry: 1, delayBeforeRetry: 1, warmup: 0, delayLoop, alpha: false, connectTimeout: 3, connectIp: address, connectPort: port },
    ],
  };
}

function k0sVirtualServer(address: string, delayLoop: number, scheduler: string, method: string, persistence: number, reals: string[]) {
  return {
    target: { kind: 'address', address, port: 6443, family: 4 },
    scheduler,
    schedulerFlags: [],
    method,
    protocol: 'TCP',
    ops: false,
    quorum: 1,
    hysteresis: 0,
    alpha: false,
    omega: false,
    inhibitOnFailure: false,
    persistenceTimeout: persistence,
    delayLoop,
    realServers: reals.map((r) => k0sRealServer(r, 6443, delayLoop, method)),
  } as unknown as VirtualServerSpec;
}

function expected(dir: string, instances: VrrpInstanceSpec[], servers: VirtualServerSpec[], files: string[]): VipdConfig {
  return {
    source: { kind: 'keepalived', file: path.join(fixtures, dir, 'keepalived.conf') },
    files: files.map((f) => path.join(fixtures, dir, f)),
    global: GLOBAL_DEFAULTS,
    vrrpScripts: [],
    trackFiles: [],
    trackProcesses: [],
    vrrpSyncGroups: [],
    vrrpInstances: instances,
    virtualServerGroups: [],
    virtualServers: servers,
  };
}

t.test('k0s single instance, BACKUP: consumed include is a symlink to /dev/null', async (t) => {
  const file = path.join(fixtures, 'k0s-single-backup', 'keepalived.conf');
  const { config, warnings } = loadKeepalivedConfig(file);
  t.same(warnings, []);
  t.strictSame(strip(config), expected('k0s-single-backup', [SINGLE_INSTANCE], [], ['keepalived.conf', 'keepalived-virtualservers-consumed.conf']));
  t.strictSame(config.vrrpInstances[0]!.where, { file, line: 7 });
  t.strictSame(config.vrrpInstances[0]!.notifyMaster!.where, { file, line: 22 });
  t.strictSame(config.vrrpInstances[0]!.virtualIpAddresses[0]!.where, { file, line: 34 });
});

t.test('k0s single instance, MASTER: consumed include is a symlink to the generated file', async (t) => {
  const { config, warnings } = loadKeepalivedConfig(path.join(fixtures, 'k0s-single-master', 'keepalived.conf'));
  t.same(warnings, []);
  const vs = k0sVirtualServer('192.168.122.200', 60, 'rr', 'DR', 360, ['192.168.122.37', '192.168.122.38', '192.168.122.39']);
  t.strictSame(strip(config), expected('k0s-single-master', [SINGLE_INSTANCE], [vs], ['keepalived.conf', 'keepalived-virtualservers-consumed.conf']));
  // Positions inside the included file name the include path as written (the symlink).
  t.strictSame(config.virtualServers[0]!.realServers[1]!.where, {
    file: path.join(fixtures, 'k0s-single-master', 'keepalived-virtualservers-consumed.conf'),
    line: 24,
  });
});

t.test('k0s single instance, include not created yet: a warning, the instance still loads', async (t) => {
  const file = path.join(fixtures, 'k0s-single-missing', 'keepalived.conf');
  const { config, warnings } = loadKeepalivedConfig(file);
  t.strictSame(strip(config), expected('k0s-single-missing', [SINGLE_INSTANCE], [], ['keepalived.conf']));
  t.strictSame(warnings, [
    {
      file,
      line: 45,
      message: `include 'keepalived-virtualservers-consumed.conf': ${path.join(fixtures, 'k0s-single-missing', 'keepalived-virtualservers-consumed.conf')} does not exist, skipped`,
    },
  ]);
});

t.test('k0s several instances with the generated include (IPv6 instance runs VRRPv3)', async (t) => {
  const { config, warnings } = loadKeepalivedConfig(path.join(fixtures, 'k0s-multi', 'keepalived.conf'));
  t.same(warnings, []);
  const i0 = {
    ...INSTANCE_DEFAULTS,
    name: 'k0s-vip-0',
    interface: 'eth0',
    virtualRouterId: 51,
    advertIntervalCs: 100,
    authentication: { type: 'PASS', pass: 'Example1' },
    virtualIpAddresses: [vip('10.10.0.100', 24)],
  } as unknown as VrrpInstanceSpec;
  const i1 = {
    ...INSTANCE_DEFAULTS,
    name: 'k0s-vip-1',
    interface: 'eth1',
    virtualRouterId: 52,
    advertIntervalCs: 200,
    version: 3,
    family: 6,
    nativeIpv6: true,
    authentication: { type: 'PASS', pass: 'Example2' },
    virtualIpAddresses: [vip('fd00:10::100', 64, 6)],
  } as unknown as VrrpInstanceSpec;
  t.strictSame(
    strip(config),
    expected(
      'k0s-multi',
      [i0, i1],
      [
        k0sVirtualServer('10.10.0.100', 1.5, 'wlc', 'DR', 360, ['10.10.0.11']),
        k0sVirtualServer('10.10.0.101', 60, 'rr', 'NAT', 60, ['10.10.0.11']),
      ],
      ['keepalived.conf', 'keepalived-virtualservers-generated.conf'],
    ),
  );
});

t.test('k0s unicast instance: unicast_src_ip and unicast_peer', async (t) => {
  const { config, warnings } = loadKeepalivedConfig(path.join(fixtures, 'k0s-unicast', 'keepalived.conf'));
  t.same(warnings, []);
  const inst = {
    ...INSTANCE_DEFAULTS,
    name: 'k0s-vip-0',
    interface: 'ens3',
    virtualRouterId: 77,
    advertIntervalCs: 100,
    authentication: { type: 'PASS', pass: 's3cr3t' },
    virtualIpAddresses: [vip('10.20.0.200', 24)],
    unicastSrcIp: '10.20.0.11',
    unicastPeers: [{ address: '10.20.0.12' }, { address: '10.20.0.13' }],
  } as unknown as VrrpInstanceSpec;
  t.strictSame(strip(config), expected('k0s-unicast', [inst], [], ['keepalived.conf']));
});

t.test('the same k0s files from an in-memory FS (symlink to /dev/null, then re-pointed)', async (t) => {
  const { readFileSync } = await import('node:fs');
  const dir = path.join(fixtures, 'k0s-single-master');
  const fs = new MemoryConfigFs(
    {
      '/run/k0s/keepalived.conf': readFileSync(path.join(dir, 'keepalived.conf'), 'utf8'),
      '/run/k0s/keepalived-virtualservers-generated.conf': readFileSync(path.join(dir, 'keepalived-virtualservers-generated.conf'), 'utf8'),
    },
    { '/run/k0s/keepalived-virtualservers-consumed.conf': '/dev/null' },
  );
  const backup = loadKeepalivedConfig('/run/k0s/keepalived.conf', { fs });
  t.equal(backup.config.virtualServers.length, 0);
  t.same(backup.warnings, []);
  fs.unlink('/run/k0s/keepalived-virtualservers-consumed.conf');
  fs.symlink('keepalived-virtualservers-generated.conf', '/run/k0s/keepalived-virtualservers-consumed.conf');
  const master = loadKeepalivedConfig('/run/k0s/keepalived.conf', { fs });
  t.equal(master.config.virtualServers.length, 1);
  t.equal(master.config.virtualServers[0]!.realServers.length, 3);
  fs.unlink('/run/k0s/keepalived-virtualservers-consumed.conf');
  const missing = loadKeepalivedConfig('/run/k0s/keepalived.conf', { fs });
  t.equal(missing.warnings.length, 1);
  t.match(missing.warnings[0]!.message, /does not exist, skipped/);
});

t.test('includes: relative to the including file, globs with braces, nested directories', async (t) => {
  const fs = new MemoryConfigFs({
    '/etc/keepalived/keepalived.conf': 'include conf.d/*.conf\ninclude extra/{a,b}.inc\n',
    '/etc/keepalived/conf.d/20-vs.conf': 'virtual_server 10.1.1.1 80 {\n  protocol TCP\n  real_server 10.1.1.2 80 {\n  }\n}\n',
    '/etc/keepalived/conf.d/10-vrrp.conf': 'include ../shared/auth.inc\n',
    '/etc/keepalived/conf.d/.hidden.conf': 'garbage {',
    '/etc/keepalived/shared/auth.inc': 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.1.1.1\n }\n}\n',
    '/etc/keepalived/extra/b.inc': 'global_defs {\n router_id b\n}\n',
  });
  const { config, warnings } = loadKeepalivedConfig('/etc/keepalived/keepalived.conf', { fs });
  t.same(warnings, []);
  t.strictSame(config.files, [
    '/etc/keepalived/keepalived.conf',
    '/etc/keepalived/conf.d/10-vrrp.conf',
    '/etc/keepalived/shared/auth.inc',
    '/etc/keepalived/conf.d/20-vs.conf',
    '/etc/keepalived/extra/b.inc',
  ]);
  t.equal(config.vrrpInstances[0]!.name, 'VI_1');
  t.strictSame(config.vrrpInstances[0]!.where, { file: '/etc/keepalived/shared/auth.inc', line: 1 });
  t.equal(config.global.routerId, 'b');
  t.equal(config.virtualServers[0]!.realServers[0]!.address, '10.1.1.2');
});

t.test('a glob that matches nothing is a warning; includer makes a missing file an error', async (t) => {
  const fs = new MemoryConfigFs({ '/k/a.conf': 'include none/*.conf\n' });
  const r = loadKeepalivedConfig('/k/a.conf', { fs });
  t.strictSame(r.warnings, [{ file: '/k/a.conf', line: 1, message: "include 'none/*.conf': no file matches /k/none/*.conf" }]);
  fs.writeFile('/k/b.conf', 'includer missing.conf\n');
  t.throws(() => loadKeepalivedConfig('/k/b.conf', { fs }), { message: "/k/b.conf:1: include 'missing.conf': /k/missing.conf does not exist, skipped" });
});

t.test('keywords in any order, full instance, defaults and inheritance', async (t) => {
  const text = `
global_defs {
  router_id node1
  vrrp_garp_master_delay 2
  vrrp_garp_master_repeat 3
  vrrp_garp_interval 0.001
  vrrp_gna_interval 0.000001
  enable_script_security
  script_user keepalived_script
  lvs_flush_on_stop VS
  vrrp_version 3
}
vrrp_script chk_api {
  weight -20
  script "/usr/bin/curl -sf 'https://localhost:6443/healthz'"
  interval 2
  fall 3
  rise 2
}
vrrp_instance VI_6 {
  advert_int 0.5
  virtual_ipaddress_excluded {
    fd00::5/64 dev eth1
  }
  priority 150
  virtual_ipaddress {
    10.0.0.10/24 dev eth0 label eth0:vip scope global brd 10.0.0.255
    10.0.0.11
  }
  track_script {
    chk_api
    missing_script weight 5
  }
  track_interface {
    eth1 weight -10
    eth2
  }
  nopreempt
  preempt_delay 4.5
  interface eth0
  virtual_router_id 60
  garp_master_refresh 30
  no_accept
  notify /usr/local/bin/notify.sh root root
  notify_fault "/usr/local/bin/fault.sh \\"VI 6\\""
}
vrrp_sync_group G1 {
  group {
    VI_6
  }
  notify_master "/bin/echo master"
  sync_group_tracking_weight
}
`;
  const { config, warnings } = parseKeepalivedConfig(text, { file: '/x/k.conf', fs: new MemoryConfigFs() });
  t.strictSame(warnings.filter((w) => !unsupported(w)), [
    { file: '/x/k.conf', line: 32, message: "vrrp_instance VI_6: track_script 'missing_script' is not a defined vrrp_script, ignored" },
    { file: '/x/k.conf', line: 47, message: 'vrrp_sync_group G1: only one vrrp_instance (VI_6), nothing to synchronise' },
  ]);
  t.strictSame(warnings.filter(unsupported).map((w) => `${w.line} ${w.message.split(':')[0]}`), [
  ], 'keywords the runtime does not do warn (the keyword table says what will not happen)');
  t.equal(config.global.garpLowerPrioDelay, 2, 'lower prio delay defaults to master delay');
  t.equal(config.global.lvsFlushOnStop, 'VS');
  t.equal(config.global.scriptUser, 'keepalived_script');
  t.strictSame(strip(config.vrrpScripts), [
    {
      name: 'chk_api',
      script: { argv: ['/usr/bin/curl', '-sf', 'https://localhost:6443/healthz'], text: "/usr/bin/curl -sf 'https://localhost:6443/healthz'" },
      interval: 2,
      timeout: 2,
      weight: -20,
      weightReverse: false,
      rise: 2,
      fall: 3,
      initFail: false,
    },
  ]);
  const i = config.vrrpInstances[0]!;
  t.strictSame(strip(i), {
    name: 'VI_6',
    state: 'BACKUP',
    interface: 'eth0',
    virtualRouterId: 60,
    priority: 150,
    advertIntervalCs: 50,
    version: 3,
    family: 4,
    virtualIpAddresses: [
      { address: '10.0.0.10', prefixLength: 24, family: 4, noTrack: false, dev: 'eth0', label: 'eth0:vip', scope: 'global', broadcast: '10.0.0.255' },
      { address: '10.0.0.11', prefixLength: 32, family: 4, noTrack: false },
    ],
    virtualIpAddressesExcluded: [{ address: 'fd00::5', prefixLength: 64, family: 6, noTrack: false, dev: 'eth1' }],
    unicastPeers: [],
    checkUnicastSrc: false,
    preempt: false,
    preemptDelay: 4.5,
    accept: false,
    strict: false,
    trackInterfaces: [
      { name: 'eth1', weight: -10, reverse: false },
      { name: 'eth2', weight: 0, reverse: false },
    ],
    trackScripts: [{ name: 'chk_api' }],
    trackFiles: [],
    trackProcesses: [],
    notifyPriorityChanges: false,
    dontTrackPrimary: false,
    nativeIpv6: false,
    notify: { argv: ['/usr/local/bin/notify.sh'], text: '/usr/local/bin/notify.sh', user: 'root', group: 'root' },
    notifyFault: { argv: ['/usr/local/bin/fault.sh', 'VI 6'], text: '/usr/local/bin/fault.sh "VI 6"' },
    garpMasterDelay: 2,
    garpMasterRepeat: 3,
    garpMasterRefresh: 30,
    garpMasterRefreshRepeat: 1,
    garpLowerPrioDelay: 2,
    garpLowerPrioRepeat: 3,
  });
  t.strictSame(strip(config.vrrpSyncGroups), [
    {
      name: 'G1', group: ['VI_6'], trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [],
      notifyMaster: { argv: ['/bin/echo', 'master'], text: '/bin/echo master' }, trackingWeight: true,
    },
  ]);
});

t.test('virtual_server forms, checkers and timing inheritance', async (t) => {
  const text = `
virtual_server_group WEB {
  10.0.1.1-3 80
  10.0.2.0/30 443
  fwmark 7
}
virtual_server group WEB {
  lvs_sched wlc
  protocol TCP
  lvs_method NAT
  delay_loop 10
  connect_timeout 2
  real_server 10.0.9.1 8080 {
    retry 4
    HTTP_GET {
      url {
        path /healthz
        status_code 200 300-399
        digest 9B3A0C85A887A256D6939DA88AABD8CD
      }
      connect_port 8081
    }
    MISC_CHECK {
      misc_path "/usr/local/bin/check.sh 10.0.9.1"
      misc_dynamic
    }
  }
}
virtual_server fwmark 5 {
  persistence_timeout
  protocol UDP
  ops
  quorum 2
  hysteresis 1
  alpha
  omega
  inhibit_on_failure
  sorry_server 10.0.0.99 53
  quorum_up "/bin/true up"
  real_server 10.0.9.2 {
    weight 3
    notify_up /bin/up.sh
    SSL_GET {
      url {
        path /
      }
      connect_port 443
      nb_get_retry 2
      warmup 1.25
    }
  }
}
virtual_server fd00::1 6443 {
  lb_algo mh
  lb_kind TUN
  persistence_timeout 30
  real_server fd00::2 6443 {
    TCP_CHECK {
      connect_ip fd00::3
    }
  }
}
`;
  const { config, warnings } = parseKeepalivedConfig(text, { file: '/x/vs.conf', fs: new MemoryConfigFs() });
  t.strictSame(warnings.filter((w) => !unsupported(w)), [
    { file: '/x/vs.conf', line: 29, message: "virtual_server fwmark 5: a fwmark service has no protocol, 'protocol' is ignored as keepalived does" },
    { file: '/x/vs.conf', line: 53, message: 'virtual_server: no protocol set, defaulting to UDP as keepalived does' },
  ]);
  t.strictSame(warnings.filter(unsupported).map((w) => `${w.line} ${w.message.split(':')[0]}`), []);
  t.strictSame(strip(config.virtualServerGroups), [
    {
      name: 'WEB',
      entries: [
        { kind: 'address', first: '10.0.1.1', last: '10.0.1.3', port: 80, family: 4 },
        { kind: 'address', first: '10.0.2.0', last: '10.0.2.3', port: 443, family: 4 },
        { kind: 'fwmark', fwmark: 7 },
      ],
    },
  ]);
  const [g, fw, v6] = config.virtualServers;
  t.strictSame(g!.target, { kind: 'group', group: 'WEB' });
  t.equal(g!.scheduler, 'wlc');
  const rs = g!.realServers[0]!;
  t.equal(rs.method, 'NAT', 'real server inherits the method');
  t.strictSame(strip(rs.checkers), [
    {
      type: 'HTTP_GET',
      retry: 4,
      delayBeforeRetry: 3,
      warmup: 10,
      delayLoop: 10,
      alpha: false,
      connectTimeout: 2,
      connectIp: '10.0.9.1',
      connectPort: 8081,
      urls: [{ path: '/healthz', statusCodes: [[200, 200], [300, 399]], digest: '9b3a0c85a887a256d6939da88aabd8cd' }],
      enableSni: false,
      httpProtocol: '1.0',
      fastRecovery: false,
    },
    {
      type: 'MISC_CHECK',
      path: { argv: ['/usr/local/bin/check.sh', '10.0.9.1'], text: '/usr/local/bin/check.sh 10.0.9.1' },
      timeout: 10,
      dynamic: true,
      retry: 4,
      delayBeforeRetry: 1,
      warmup: 10,
      delayLoop: 10,
      alpha: false,
    },
  ]);
  t.strictSame(fw!.target, { kind: 'fwmark', fwmark: 5, family: 4 });
  t.equal(fw!.persistenceTimeout, 360, 'bare persistence_timeout is 6 minutes');
  t.equal(fw!.delayLoop, 60);
  t.equal(fw!.scheduler, 'wlc', 'default scheduler');
  t.equal(fw!.method, 'NAT', 'default method');
  t.match(fw, { protocol: 'UDP', ops: true, quorum: 2, hysteresis: 1, alpha: true, omega: true, inhibitOnFailure: true });
  t.strictSame(fw!.sorryServer, { address: '10.0.0.99', port: 53, inhibit: false });
  t.strictSame(fw!.quorumUp!.argv, ['/bin/true', 'up']);
  const rs2 = fw!.realServers[0]!;
  t.match(rs2, { port: 0, weight: 3, inhibitOnFailure: true });
  t.strictSame(rs2.notifyUp!.argv, ['/bin/up.sh']);
  t.match(rs2.checkers[0], { type: 'SSL_GET', retry: 2, warmup: 1.25, connectPort: 443, connectTimeout: 5, delayBeforeRetry: 3 });
  t.strictSame(v6!.target, { kind: 'address', address: 'fd00::1', port: 6443, family: 6 });
  t.match(v6, { scheduler: 'mh', method: 'TUN', persistenceTimeout: 30, protocol: 'UDP' });
  t.match(v6!.realServers[0]!.checkers[0], { type: 'TCP_CHECK', connectIp: 'fd00::3', connectPort: 6443, retry: 1, delayBeforeRetry: 1 });
});

t.test('unknown and unsupported keywords are warnings with file:line; the config loads', async (t) => {
  const fs = new MemoryConfigFs({
    '/k/main.conf': 'global_defs {\n  notification_email {\n    a@b\n  }\n  frobnicate 1\n}\ninclude inc.conf\n',
    '/k/inc.conf': 'vrrp_instance V {\n  interface eth0\n  virtual_router_id 9\n  use_vmac_addr\n  bogus_keyword x y\n}\nnot_a_block {\n}\n',
  });
  const { config, warnings } = loadKeepalivedConfig('/k/main.conf', { fs });
  t.equal(config.vrrpInstances.length, 1);
  t.strictSame(warnings, [
    { file: '/k/main.conf', line: 2, message: "notification_email: not supported by vipd, no e-mail is sent" },
    { file: '/k/main.conf', line: 5, message: "unknown keyword 'frobnicate' in global_defs" },
    { file: '/k/inc.conf', line: 4, message: 'use_vmac_addr: not supported by vipd, no VMAC is created for the VIPs on other interfaces' },
    { file: '/k/inc.conf', line: 5, message: "unknown keyword 'bogus_keyword' in vrrp_instance V" },
    // keepalived reads braces by keyword: an unknown one opens no block, so both braces are out of place.
    { file: '/k/inc.conf', line: 7, message: "unexpected '{' ('not_a_block' takes no block): ignored, as keepalived does" },
    { file: '/k/inc.conf', line: 7, message: "unknown keyword 'not_a_block' in the top level" },
    { file: '/k/inc.conf', line: 8, message: "unexpected '}' (no block is open): ignored, as keepalived does" },
    { file: '/k/inc.conf', line: 1, message: 'vrrp_instance V: no virtual_ipaddress; at least one is sensible' },
  ]);
});

t.test('grammar: comments, quotes, braces on the next line or the same line, continuation', async (t) => {
  const text = [
    '! a bang comment',
    'vrrp_instance "VI 1"   # a comment { with braces }',
    '{',
    '  interface eth0#a comment even inside a word',
    '  virtual_router_id 3 # a comment',
    '}',
    'vrrp_instance VI_2 { interface eth1',
    '  virtual_router_id 4 }',
    'vrrp_instance VI_3 {',
    '  interface \\',
    '    eth2',
    '  virtual_router_id 5',
    '  authentication { auth_pass "a b#c!" }',
    '}',
  ].join('\n');
  const { config, warnings } = parseKeepalivedConfig(text, { file: 'mem.conf', fs: new MemoryConfigFs() });
  t.strictSame(
    warnings.map((w) => w.line),
    [2, 7, 9],
    'only the "no virtual_ipaddress" warnings',
  );
  t.strictSame(
    config.vrrpInstances.map((i) => [i.name, i.interface, i.virtualRouterId]),
    [
      ['VI 1', 'eth0', 3],
      ['VI_2', 'eth1', 4],
      ['VI_3', 'eth2', 5],
    ],
  );
  t.equal(config.vrrpInstances[0]!.virtualRouterId, 3);
  t.equal(config.vrrpInstances[2]!.authentication!.pass, 'a b#c!');
});

t.test('a vrrp_script, track_file or vrrp_track_process defined twice: the first counts, as keepalived 2.2.7', async (t) => {
  const text = [
    'vrrp_script s {\n  script "/bin/true"\n}', 'vrrp_script s {\n  script "/bin/false"\n}',
    'track_file f {\n  file /run/a\n}', 'track_file f {\n  file /run/b\n}',
    'vrrp_track_process p {\n  process nginx\n}', 'vrrp_track_process p {\n  process haproxy\n}',
  ].join('\n') + '\n';
  const { config, warnings } = parseKeepalivedConfig(text, { file: 'd.conf', fs: new MemoryConfigFs() });
  t.same(config.vrrpScripts.map((s) => s.script.text), ['/bin/true']);
  t.same(config.trackFiles.map((f) => f.file), ['/run/a']);
  t.same(config.trackProcesses.map((p) => p.process), ['nginx']);
  t.same(warnings.map((w) => [w.line, w.message]), [
    [4, 'vrrp_script s: defined twice, the first definition counts (as keepalived)'],
    [10, 'track_file f: defined twice, the first definition counts (as keepalived)'],
    [16, 'vrrp_track_process p: defined twice, the first definition counts (as keepalived)'],
  ]);
});

t.test('a vrrp_sync_group defined twice: the first counts, the second block is skipped (keepalived 2.2.7: "already defined")', async (t) => {
  const inst = (n: number) => `vrrp_instance VI_${n} {\n  interface eth0\n  virtual_router_id ${50 + n}\n  virtual_ipaddress {\n    10.0.0.${50 + n}/24\n  }\n}`;
  const text = ['vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}', 'vrrp_sync_group G {\n  group {\n    VI_3\n  }\n  bogus_keyword\n}', inst(1), inst(2), inst(3)].join('\n') + '\n';
  const { config, warnings } = parseKeepalivedConfig(text, { file: 'g.conf', fs: new MemoryConfigFs() });
  t.same(config.vrrpSyncGroups.map((g) => [g.name, g.group]), [['G', ['VI_1', 'VI_2']]]);
  t.same(warnings.map((w) => [w.line, w.message]), [[7, 'vrrp_sync_group G: defined twice (first at line 1), this block is skipped as keepalived does']], 'the skipped block is not read (no warning of its own)');
});
