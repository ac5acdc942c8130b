// keepalived.conf's checkers to the model and on to the IPVS manager's terms: every checker type
// with its keepalived defaults, inheritance of alpha / virtualhost / timing, SMTP host blocks,
// FILE_CHECK and its track_file, the SSL block, BFD_CHECK's warning, MISC_CHECK and notify
// scripts planned at load with a script host; then notify_up / notify_down run on transitions.
import t from 'tap';
import pino from 'pino';
import { parseKeepalivedConfig } from '../../src/config/index.js';
import { checkConfig, virtualServerConfigs } from '../../src/daemon/config-mapping.js';
import { RealServerNotifier } from '../../src/daemon/real-server-notify.js';
import { UserLookupError, type PathStat, type ScriptHost } from '../../src/health/index.js';
import { IpvsClient } from '../../src/ipvs/client.js';
import { VirtualServerManager } from '../../src/ipvs/manager.js';
import type { NotifyCommand, NotifyResult } from '../../src/vrrp/notify.js';
import { FakeIpvsKernel } from '../helpers/ipvs-fake-kernel.js';
import { ManualClock } from '../helpers/manual-clock.js';

const CONF = `
SSL {
  certificate /etc/k/client.pem
  key /etc/k/client.key
  password secret
  ca /etc/k/ca.pem
}
track_file weights {
  file /run/w
  weight 3 reverse
  init_file 5 overwrite
}
virtual_server 10.0.0.100 80 {
  protocol TCP
  delay_loop 4
  alpha
  virtualhost vs.example
  real_server 10.0.0.11 80 {
    alpha off
    virtualhost rs.example
    notify_up "/usr/bin/up 11"
    notify_down /usr/bin/down nobody
    HTTP_GET {
      url {
        path /a
        status_code 200 400-499
        regex "^HTTP/1\\\\.[01] 2"
        regex_options caseless
        regex_max_offset 10
      }
      url {
        path /b
        virtualhost url.example
      }
      http_protocol 1.1
      fast_recovery
    }
    SSL_GET {
      alpha yes
      enable_sni
      url {
        path /
      }
    }
    SMTP_CHECK {
      helo_name mx.example
      connect_timeout 2
      host {
        connect_ip 10.0.0.21
        connect_port 2525
      }
      host {
        connect_ip 10.0.0.22
        bindto 10.0.0.1
      }
    }
    DNS_CHECK {
      type aaaa
      name www.example.com
    }
    UDP_CHECK {
      payload Ab12f 3
      require_reply AB 1x
      max_reply_length 64
      bind_if eth1
      fwmark 7
    }
    PING_CHECK {
    }
    MISC_CHECK {
      misc_path "/usr/bin/check 11"
      misc_dynamic
      misc_timeout 3
      user nobody
    }
    MISC_CHECK {
      misc_path /tmp/d/unsafe.sh
      user root
    }
    FILE_CHECK {
      track_file weights
    }
    FILE_CHECK {
      track_file weights
      weight 2
    }
    BFD_CHECK {
      name b1
    }
  }
}
`;

/** The line of the first line of `text` holding `needle` (1-based). */
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

const DIR = 0o040000;
const REG = 0o100000;
/** Root-owned directories 0755 (but /tmp 1777 and /tmp/d 0777) and scripts 0755. */
const TREE: Record<string, number> = {
  '/': DIR | 0o755, '/usr': DIR | 0o755, '/usr/bin': DIR | 0o755, '/tmp': DIR | 0o1777, '/tmp/d': DIR | 0o777,
  '/usr/bin/check': REG | 0o755, '/usr/bin/up': REG | 0o755, '/usr/bin/down': REG | 0o755, '/bin/true': REG | 0o755, '/tmp/d/unsafe.sh': REG | 0o755,
};
const stat = (p: string): PathStat => {
  const mode = TREE[p];
  if (mode === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return { uid: 0, gid: 0, mode };
};
const fakeHost: ScriptHost = {
  lookupUser: (user) => {
    if (user === 'nobody') return { uid: 65534, gid: 65534 };
    if (user === 'root') return { uid: 0, gid: 0 };
    throw new UserLookupError(`script user "${user}" does not exist`);
  },
  fs: { realpath: (p) => (stat(p), p), stat },
  searchPath: ['/usr/bin'],
  self: { uid: 0, gid: 0 },
};

t.test('every checker to the model', async (t) => {
  const { config, warnings } = parseKeepalivedConfig(CONF, { file: '/k.conf', configId: 'x' });
  t.same(config.global.ssl, { certificate: '/etc/k/client.pem', key: '/etc/k/client.key', password: 'secret', ca: '/etc/k/ca.pem', where: { file: '/k.conf', line: 2 } });
  t.same(warnings.map((w) => `${w.line}: ${w.message}`), [
    `${lineOf(CONF, 'host {')}: host: deprecated since keepalived 2 (it says so too): each host block is one more SMTP_CHECK; define SMTP_CHECKs instead`,
    `${lineOf(CONF, 'host {') + 4}: host: deprecated since keepalived 2 (it says so too): each host block is one more SMTP_CHECK; define SMTP_CHECKs instead`,
    `${lineOf(CONF, 'BFD_CHECK')}: BFD_CHECK: not supported by vipd, no BFD session is run; the checker is dropped and the real server is treated as up (as if the BFD session were always up)`,
  ]);
  const rs = config.virtualServers[0]!.realServers[0]!;
  const byType = (type: string) => rs.checkers.filter((c) => c.type === type);
  t.same(rs.checkers.map((c) => c.type), ['HTTP_GET', 'SSL_GET', 'SMTP_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'MISC_CHECK', 'MISC_CHECK', 'FILE_CHECK', 'FILE_CHECK'], 'BFD_CHECK dropped; one SMTP check per host block');
  t.match(byType('HTTP_GET')[0], {
    alpha: false, virtualhost: 'rs.example', httpProtocol: '1.1', fastRecovery: true, delayLoop: 4, retry: 1, delayBeforeRetry: 3, warmup: 4,
    urls: [
      { path: '/a', statusCodes: [[200, 200], [400, 499]], regex: { pattern: '^HTTP/1\\.[01] 2', options: ['caseless'], noMatch: false, maxOffset: 10 } },
      { path: '/b', statusCodes: [[200, 299]], virtualhost: 'url.example' },
    ],
  }, 'alpha off on the real server wins over the virtual server\'s; the real server\'s virtualhost over the virtual server\'s');
  t.match(byType('SSL_GET')[0], { alpha: true, enableSni: true, httpProtocol: '1.0', fastRecovery: false });
  t.match(byType('SMTP_CHECK'), [
    { heloName: 'mx.example', connectIp: '10.0.0.21', connectPort: 2525, connectTimeout: 2 },
    { heloName: 'mx.example', connectIp: '10.0.0.22', connectPort: 80, bindTo: '10.0.0.1', connectTimeout: 2 },
  ]);
  t.match(byType('DNS_CHECK')[0], { queryType: 'AAAA', name: 'www.example.com', retry: 3, delayBeforeRetry: 4 }, 'DNS_CHECK: 3 retries a delay_loop apart');
  t.match(byType('UDP_CHECK')[0], { payload: 'ab120f03', requireReply: 'ab 1x', minReplyLength: 0, maxReplyLength: 64, bindIf: 'eth1', fwmark: 7 });
  t.match(byType('MISC_CHECK')[0], { path: { argv: ['/usr/bin/check', '11'] }, dynamic: true, timeout: 3, user: 'nobody', retry: 0 });
  t.match(byType('FILE_CHECK'), [{ path: '/run/w', weight: 3, reverse: true }, { path: '/run/w', weight: 2, reverse: false }], 'the checker\'s weight over the track_file\'s');
  t.same(rs.notifyUp?.argv, ['/usr/bin/up', '11']);
  t.same([rs.notifyDown?.argv, rs.notifyDown?.user], [['/usr/bin/down'], 'nobody']);
  const m0 = byType('MISC_CHECK')[0];
  t.equal(m0?.type === 'MISC_CHECK' ? m0.path.runAs : 'not a MISC_CHECK', undefined, 'without a script host nothing is resolved');
});

t.test('with a script host: scripts planned at load as keepalived does', async (t) => {
  const { config, warnings } = parseKeepalivedConfig(CONF, { file: '/k.conf', configId: 'x', scripts: fakeHost });
  const rs = config.virtualServers[0]!.realServers[0]!;
  const misc = rs.checkers.filter((c) => c.type === 'MISC_CHECK');
  t.equal(misc.length, 2, 'without enable_script_security the unsafe script runs');
  t.match(misc[0], { path: { argv: ['/usr/bin/check', '11'], runAs: { uid: 65534, gid: 65534 } } });
  t.match(misc[1], { path: { argv: ['/tmp/d/unsafe.sh'], runAs: { uid: 0, gid: 0 } } });
  t.match(warnings.map((w) => `${w.line}: ${w.message}`).filter((w) => !/deprecated/.test(w)), [
    /BFD_CHECK/,
    `${lineOf(CONF, 'misc_path /tmp/d')}: MISC_CHECK: Unsafe permissions found for script '/tmp/d/unsafe.sh'. (directory /tmp/d is writable by others)`,
  ], 'with a warning at its line');
  t.same(rs.notifyDown?.runAs, { uid: 65534, gid: 65534 });
  const secure = parseKeepalivedConfig(`global_defs {\n  enable_script_security\n}\n${CONF}`, { file: '/k.conf', configId: 'x', scripts: fakeHost });
  const rs2 = secure.config.virtualServers[0]!.realServers[0]!;
  t.equal(rs2.checkers.filter((c) => c.type === 'MISC_CHECK').length, 1, 'enable_script_security: the unsafe one is not run');
  const text2 = `global_defs {\n  enable_script_security\n}\n${CONF}`;
  t.same(secure.warnings.filter((w) => !/not supported by vipd|deprecated/.test(w.message)).map((w) => `${w.line}: ${w.message}`), [
    `${lineOf(text2, 'misc_path /tmp/d')}: MISC_CHECK: Unsafe permissions found for script '/tmp/d/unsafe.sh' - disabling. (directory /tmp/d is writable by others)`,
    `${lineOf(text2, 'notify_up')}: notify_up: Script user 'keepalived_script' does not exist`,
    `${lineOf(text2, 'notify_up')}: notify_up: Unable to set default user keepalived_script for script (keepalived_script does not exist and script_user is not set (enable_script_security))`,
    `${lineOf(text2, 'notify_up')}: notify_up: Failed to set default user for notify script /usr/bin/up - ignoring`,
  ], 'each with a warning at its line, in keepalived\'s words');
  t.equal(rs2.notifyUp, undefined, 'notify_up without a user: no keepalived_script, so not run');
  t.ok(rs2.notifyDown, 'notify_down names its user: runs');
});

t.test('the model to the manager\'s checks', async (t) => {
  const { config } = parseKeepalivedConfig(CONF, { file: '/k.conf', configId: 'x', scripts: fakeHost });
  const vs = config.virtualServers[0]!;
  const checks = vs.realServers[0]!.checkers.map((c) => checkConfig(c, vs, config.global));
  t.match(checks[0], {
    type: 'HTTP_GET', connectIp: '10.0.0.11', connectPort: 80, connectTimeoutMs: 5000, delayLoopMs: 4000, retry: 1, delayBeforeRetryMs: 3000,
    virtualhost: 'rs.example', httpProtocol: '1.1', fastRecovery: true,
    urls: [{ path: '/a', statuses: [200, { from: 400, to: 499 }] }, { path: '/b', virtualhost: 'url.example' }],
  });
  t.notOk('statuses' in (checks[0] as { urls: object[] }).urls[1]!, 'the default 200-299 stays the default');
  t.match(checks[1], { type: 'SSL_GET', enableSni: true, alpha: true, tls: { certificate: '/etc/k/client.pem', key: '/etc/k/client.key', ca: '/etc/k/ca.pem', password: 'secret' } });
  t.notOk('tls' in checks[0]!, 'HTTP_GET has no TLS');
  t.match(checks[5], { type: 'UDP_CHECK', payload: 'ab120f03', requireReply: 'ab 1x', bindIf: 'eth1', fwmark: 7 });
  t.match(checks[7], { type: 'MISC_CHECK', argv: ['/usr/bin/check', '11'], uid: 65534, gid: 65534, timeoutMs: 3000, dynamic: true });
  t.match(checks[9], { type: 'FILE_CHECK', path: '/run/w', weight: 3, reverse: true, delayLoopMs: 1000 });
  const mapped = virtualServerConfigs(config);
  t.same(Object.keys(mapped[0]!.notify), ['10.0.0.11:80']);
});

t.test('notify_up / notify_down run on transitions, with their own arguments only', async (t) => {
  const { config } = parseKeepalivedConfig(CONF.replace(/HTTP_GET \{[\s\S]*?\n {4}BFD_CHECK/, 'TCP_CHECK {\n    }\n    BFD_CHECK'), { file: '/k.conf', configId: 'x', scripts: fakeHost });
  const mapped = virtualServerConfigs(config);
  const runs: NotifyCommand[] = [];
  const notifier = new RealServerNotifier(async (cmd): Promise<NotifyResult> => {
    runs.push(cmd);
    return { argv: cmd.argv, code: 0, signal: null, timedOut: false };
  }, pino({ level: 'silent' }));
  notifier.update(mapped);
  let healthy = false;
  const clock = new ManualClock(0);
  const m = new VirtualServerManager({ client: await IpvsClient.open({ genl: new FakeIpvsKernel() }), probe: async () => ({ ok: healthy }), timers: clock, random: () => 0 });
  notifier.attach(m);
  const cfg = { ...mapped[0]!.config, delayLoopMs: 20, realServers: mapped[0]!.config.realServers.map((r) => ({ ...r, checks: r.checks!.map((c) => ({ ...c, delayLoopMs: 20, warmupMs: 0, retry: 0 })) })) };
  await m.setVirtualServers([cfg]);
  const run = async (ms: number) => {
    for (let i = 0; i < ms; i += 10) {
      clock.advance(10);
      for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
    }
  };
  await run(100);
  healthy = true;
  await run(100);
  await m.stop();
  t.same(runs, [{ argv: ['/usr/bin/down'], uid: 65534, gid: 65534 }, { argv: ['/usr/bin/up', '11'] }], 'down (as nobody), then up (as vipd)');
});

t.test('log_all_failures: the checker\'s, else global_defs checker_log_all_failures', async (t) => {
  const text = (global: string) => `global_defs {\n  ${global}\n}\nvirtual_server 10.0.0.100 80 {\n  protocol TCP\n  real_server 10.0.0.11 80 {\n    TCP_CHECK {\n    }\n    TCP_CHECK {\n      log_all_failures off\n    }\n    MISC_CHECK {\n      misc_path /bin/true\n      log_all_failures\n    }\n  }\n}\n`;
  const flags = (global: string) => {
    const { config, warnings } = parseKeepalivedConfig(text(global), { file: '/k.conf', configId: 'x' });
    t.same(warnings, [], 'no warning: implemented');
    const vs = config.virtualServers[0]!;
    return vs.realServers[0]!.checkers.map((c) => checkConfig(c, vs, config.global).logAllFailures ?? false);
  };
  t.same(flags('checker_log_all_failures'), [true, false, true], 'global on: a checker may turn it off');
  t.same(flags('checker_log_all_failures off'), [false, false, true]);
  t.same(flags('router_id r'), [false, false, true], 'default off');
});

t.test('quorum_up / quorum_down: the same script rules', async (t) => {
  const text = `global_defs {\n  enable_script_security\n}\nvirtual_server 10.0.0.100 80 {\n  protocol TCP\n  quorum_up "/tmp/d/unsafe.sh up" root\n  quorum_down /usr/bin/down nobody\n  real_server 10.0.0.11 80 {\n    TCP_CHECK {\n    }\n  }\n}\n`;
  const { config, warnings } = parseKeepalivedConfig(text, { file: '/k.conf', configId: 'x', scripts: fakeHost });
  const vs = config.virtualServers[0]!;
  t.equal(vs.quorumUp, undefined, 'an unsafe root script is not run');
  t.same([vs.quorumDown?.argv, vs.quorumDown?.runAs], [['/usr/bin/down'], { uid: 65534, gid: 65534 }], 'quorum_down as nobody');
  t.same(warnings.map((w) => `${w.line}: ${w.message}`), [
    `${lineOf(text, 'quorum_up')}: quorum_up: Unsafe permissions found for script '/tmp/d/unsafe.sh' - disabling. (directory /tmp/d is writable by others)`,
  ]);
});
