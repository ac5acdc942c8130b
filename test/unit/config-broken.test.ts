// The broken-config corpus: every file under test/fixtures/config/broken/*.conf must fail to
// load with exactly the message in this table (file:line first; paths are shown relative to the
// corpus directory). *.inc files are helpers included by the cases. A case missing from the
// table, or a table row without its file, fails the test.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { KEYWORD_TABLE, loadKeepalivedConfig, parseKeepalivedConfig } from '../../src/config/index.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/config/broken');

const EXPECTED: Array<[string, string]> = [
  ["01-unbalanced-open.conf", "01-unbalanced-open.conf:4: missing '}': block 'authentication' is not closed"],
  ["02-unbalanced-close.conf", "02-unbalanced-close.conf:5: unexpected '}' (no block is open)"],
  ["03-vrid-0.conf", "03-vrid-0.conf:4: virtual_router_id: 0 is out of range 1..255"],
  ["04-vrid-256.conf", "04-vrid-256.conf:4: virtual_router_id: 256 is out of range 1..255"],
  ["05-vrid-not-number.conf", "05-vrid-not-number.conf:4: virtual_router_id: 'fifty' is not an integer"],
  ["06-priority-0.conf", "06-priority-0.conf:5: priority: 0 is out of range 1..255"],
  ["07-priority-256.conf", "07-priority-256.conf:5: priority: 256 is out of range 1..255"],
  ["09-auth-type-bad.conf", "09-auth-type-bad.conf:6: auth_type: 'MD5' is not PASS or AH"],
  ["10-bad-vip.conf", "10-bad-vip.conf:6: virtual_ipaddress: '192.168.122.300/24' is not a valid IP address"],
  ["11-bad-vip-prefix.conf", "11-bad-vip-prefix.conf:6: virtual_ipaddress: '192.168.122.200/33' has an invalid prefix length (0..32)"],
  ["12-bad-unicast-peer.conf", "12-bad-unicast-peer.conf:8: unicast_peer: '10.0.0' is not a valid IP address"],
  ["13-no-interface.conf", "13-no-interface.conf:1: vrrp_instance VI_1: no 'interface'"],
  ["14-no-vrid.conf", "14-no-vrid.conf:1: vrrp_instance VI_1: no 'virtual_router_id'"],
  ["15-duplicate-instance.conf", "15-duplicate-instance.conf:6: vrrp_instance VI_1: defined twice"],
  ["16-bad-state.conf", "16-bad-state.conf:2: state: 'PRIMARY' is not MASTER or BACKUP"],
  ["17-unknown-scheduler.conf", "17-unknown-scheduler.conf:3: lb_algo: unknown scheduler 'roundrobin' (one of rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos)"],
  ["18-unknown-lb-kind.conf", "18-unknown-lb-kind.conf:3: lb_kind: 'DSR' is not NAT, DR or TUN"],
  ["19-bad-port.conf", "19-bad-port.conf:1: virtual_server: '65536' is not a valid port (1..65535)"],
  ["20-bad-rs-port.conf", "20-bad-rs-port.conf:2: real_server: 'http' is not a valid port (0..65535)"],
  ["21-bad-vs-address.conf", "21-bad-vs-address.conf:1: virtual_server: '10.0.0.256' is not a valid IP address"],
  ["22-negative-connect-timeout.conf", "22-negative-connect-timeout.conf:4: connect_timeout: -3 must not be negative"],
  ["23-negative-delay-loop.conf", "23-negative-delay-loop.conf:2: delay_loop: -1 must not be negative"],
  ["24-bad-delay-loop.conf", "24-bad-delay-loop.conf:2: delay_loop: '1m' is not a number of seconds"],
  ["25-persistence-too-long.conf", "25-persistence-too-long.conf:2: persistence_timeout: 2678401 is out of range 1..2678400"],
  ["26-bad-protocol.conf", "26-bad-protocol.conf:2: protocol: 'ICMP' is not TCP, UDP or SCTP"],
  ["27-include-loop.conf", "27-include-loop.inc:1: include loop: 27-include-loop.conf -> 27-include-loop.inc -> 27-include-loop.conf"],
  ["28-include-self.conf", "28-include-self.conf:5: include loop: 28-include-self.conf -> 28-include-self.conf"],
  ["29-unterminated-quote.conf", "29-unterminated-quote.conf:5: unterminated quoted string"],
  ["30-advert-int-zero.conf", "30-advert-int-zero.conf:5: advert_int: must be greater than 0"],
  ["32-duplicate-vrid.conf", "32-duplicate-vrid.conf:6: vrrp_instance VI_2: virtual_router_id 51 is already used by VI_1 on eth0 (both multicast to 224.0.0.18)"],
  ["33-value-keyword-with-block.conf", "33-value-keyword-with-block.conf:3: virtual_router_id: does not take a '{' block"],
  ["34-real-server-family.conf", "34-real-server-family.conf:2: real_server fd00::11: address family differs from virtual_server 10.0.0.10"],
  ["35-vs-no-port.conf", "35-vs-no-port.conf:1: virtual_server 10.0.0.10: a port is required unless the service is persistent"],
  ["36-http-get-no-url.conf", "36-http-get-no-url.conf:3: HTTP_GET: no 'url' block"],
  ["37-bad-status-code.conf", "37-bad-status-code.conf:6: status_code: '2xx' is not an HTTP status code or range"],
  ["38-undefined-vs-group.conf", "38-undefined-vs-group.conf:1: virtual_server group 'NOPE' is not defined"],
  ["40-script-weight-range.conf", "40-script-weight-range.conf:3: weight: 254 is out of range -253..253"],
  ["41-unknown-vip-option.conf", "41-unknown-vip-option.conf:6: virtual_ipaddress: unknown option 'device' for 10.0.0.10/24"],
  ["42-unicast-src-family.conf", "42-unicast-src-family.conf:8: vrrp_instance VI_1: unicast_src_ip fd00::1 is not IPv4 like the VIPs"],
  ["43-nested-include-broken.conf", "43-nested-include-broken.inc:3: virtual_router_id: 300 is out of range 1..255"],
  ["44-bad-bool.conf", "44-bad-bool.conf:2: vrrp_strict: 'maybe' is not one of on|off|true|false|yes|no"],
  ["45-preempt-delay-range.conf", "45-preempt-delay-range.conf:5: preempt_delay: 1001 is out of range 0..1000"],
  ["46-empty-command.conf", "46-empty-command.conf:5: notify_master: empty command"],
  ["47-notify-unquoted-args.conf", "47-notify-unquoted-args.conf:5: notify_master: too many arguments (quote commands with arguments)"],
  ["48-vrrp-version.conf", "48-vrrp-version.conf:2: vrrp_version: 4 is out of range 2..3"],
  ["49-lone-brace.conf", "49-lone-brace.conf:2: unexpected '{' (a block needs a keyword before it)"],
  ["50-track-weight-range.conf", "50-track-weight-range.conf:5: eth1 weight: 300 is out of range -253..253"],
  ["51-duplicate-vrid-unicast.conf", "51-duplicate-vrid-unicast.conf:9: vrrp_instance VI_2: virtual_router_id 51 is already used by VI_1 on eth0 (both unicast to 10.0.0.3)"],
  ["52-strict-unicast.conf", "52-strict-unicast.conf:7: vrrp_instance VI_1: unicast peers are not allowed in strict mode"],
  ["53-strict-no-vip.conf", "53-strict-no-vip.conf:4: vrrp_instance VI_1: strict mode needs at least one virtual_ipaddress"],
  ["routes-1-virtual-route-no-value.conf", "routes-1-virtual-route-no-value.conf:8: virtual_routes: 'metric' needs a value"],
  ["routes-2-static-rule-no-value.conf", "routes-2-static-rule-no-value.conf:2: static_rules: 'table' needs a value"],
  ["routes-3-static-route-lock-no-value.conf", "routes-3-static-route-lock-no-value.conf:2: static_routes: 'mtu lock' needs a value"],
];

t.test('every corpus file has a row and every row a file', async (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.conf')).sort();
  t.strictSame(files, EXPECTED.map(([f]) => f).sort());
  t.ok(files.length >= 30, `at least 30 broken configs (${files.length})`);
});

for (const [file, message] of EXPECTED) {
  t.test(file, async (t) => {
    let err: unknown;
    try {
      loadKeepalivedConfig(path.join(dir, file));
    } catch (e) {
      err = e;
    }
    t.type(err, ConfigError);
    const e = err as ConfigError;
    t.equal(e.code, 'VIPD_ERR_CONFIG');
    t.equal(e.message.replaceAll(`${dir}/`, ''), message);
    t.ok(e.file && e.file.startsWith(dir), 'error carries the file');
    t.type(e.line, 'number');
  });
}

// ---- Every keyword's bad values ----------------------------------------------------------
// For each keyword the table implements (and each warned keyword whose value is still checked),
// a bad value is a ConfigError at its own file:line, naming the keyword, before anything runs.

/** Block around one statement; the statement is at `line`. */
const CONTEXT: Record<string, { wrap: (st: string) => string; line: number }> = {
  'top level': { wrap: (st) => st, line: 1 },
  global_defs: { wrap: (st) => `global_defs {\n  ${st}\n}\n`, line: 2 },
  vrrp_script: { wrap: (st) => `vrrp_script s {\n  script "/bin/true"\n  ${st}\n}\n`, line: 3 },
  vrrp_instance: { wrap: (st) => `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  ${st}\n}\n`, line: 4 },
  authentication: { wrap: (st) => `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  authentication {\n    ${st}\n    auth_pass x\n  }\n}\n`, line: 5 },
  auth_hmac: { wrap: (st) => `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  auth_hmac {\n    ${st}\n    key 200 hex:${'ab'.repeat(32)}\n    active_key 200\n  }\n}\n`, line: 5 },
  virtual_server: { wrap: (st) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  ${st}\n}\n`, line: 3 },
  real_server: { wrap: (st) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    ${st}\n  }\n}\n`, line: 4 },
  TCP_CHECK: { wrap: (st) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    TCP_CHECK {\n      ${st}\n    }\n  }\n}\n`, line: 5 },
  HTTP_GET: { wrap: (st) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    HTTP_GET {\n      ${st}\n      url {\n        path /\n      }\n    }\n  }\n}\n`, line: 5 },
  SSL_GET: { wrap: (st) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    SSL_GET {\n      ${st}\n      url {\n        path /\n      }\n    }\n  }\n}\n`, line: 5 },
  url: { wrap: (st) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    HTTP_GET {\n      url {\n        path /\n        ${st}\n      }\n    }\n  }\n}\n`, line: 7 },
  MISC_CHECK: { wrap: (st) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    MISC_CHECK {\n      misc_path /bin/true\n      ${st}\n    }\n  }\n}\n`, line: 6 },
  ...Object.fromEntries(['SMTP_CHECK', 'DNS_CHECK', 'PING_CHECK', 'UDP_CHECK'].map((c) => [c, { wrap: (st: string) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    ${c} {\n      ${st}\n    }\n  }\n}\n`, line: 5 }])),
  'SMTP_CHECK host': { wrap: (st) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    SMTP_CHECK {\n      host {\n        ${st}\n      }\n    }\n  }\n}\n`, line: 6 },
  FILE_CHECK: { wrap: (st) => `track_file f {\n  file /tmp/f\n}\nvirtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    FILE_CHECK {\n      track_file f\n      ${st}\n    }\n  }\n}\n`, line: 9 },
  SSL: { wrap: (st) => `SSL {\n  ${st}\n}\n`, line: 2 },
  'virtual_ipaddress options': { wrap: (st) => `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.1/24 ${st}\n  }\n}\n`, line: 5 },
  vrrp_sync_group: { wrap: (st) => `vrrp_sync_group G {\n  group {\n    V\n  }\n  ${st}\n}\n`, line: 5 },
  track_file: { wrap: (st) => `track_file F {\n  file /run/f\n  ${st}\n}\n`, line: 3 },
  vrrp_track_process: { wrap: (st) => `vrrp_track_process P {\n  process nginx\n  ${st}\n}\n`, line: 3 },
  'virtual_routes options': { wrap: (st) => `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  virtual_routes {\n    10.0.0.0/24 dev eth0 ${st}\n  }\n}\n`, line: 5 },
  'virtual_rules options': { wrap: (st) => `static_rules {\n  from 10.0.0.0/8 table 5 priority 100 ${st}\n}\n`, line: 2 },
};

const TIMER_BAD = ['-1', 'soon'];
const CONNECTION: Record<string, string[]> = {
  connect_ip: ['10.0.0'], connect_port: ['0'], bindto: ['x'], bind_port: ['65536'], fwmark: ['x', '-1'], bind_if: ['a/b', 'waytoolonginterfacename'], connect_timeout: ['-1'],
};
const TIMING = Object.fromEntries(['connect_timeout', 'delay_before_retry', 'warmup', 'delay_loop'].map((k) => [k, TIMER_BAD]).concat([['retry', ['-1', 'x']], ['nb_get_retry', ['3.5']]]));

/** context -> keyword -> bad values. */
const BAD_VALUES: Record<string, Record<string, string[]>> = {
  'top level': Object.fromEntries(['global_defs', 'vrrp_script', 'vrrp_sync_group', 'vrrp_instance', 'virtual_server_group', 'track_file', 'vrrp_track_file', 'vrrp_track_process', 'SSL', 'static_ipaddress', 'static_routes', 'static_rules'].map((k) => [k, ['x']]).concat([['virtual_server', ['10.0.0.300 80 {\n}', '10.0.0.1 http {\n}', 'fwmark x {\n}']]])),
  global_defs: {
    vrrp_version: ['4', 'two'],
    ...Object.fromEntries(['vrrp_garp_master_delay', 'vrrp_garp_master_repeat', 'vrrp_garp_master_refresh', 'vrrp_garp_master_refresh_repeat', 'vrrp_garp_lower_prio_delay', 'vrrp_garp_lower_prio_repeat'].map((k) => [k, ['-1', 'x']])),
    vrrp_garp_interval: TIMER_BAD, vrrp_gna_interval: TIMER_BAD,
    vrrp_min_garp: ['maybe'], vrrp_down_timer_adverts: ['0', '101'], vrrp_check_unicast_src: ['maybe'],
    lvs_flush: ['maybe'], lvs_flush_on_stop: ['ALL'], checker_log_all_failures: ['maybe'],
    lvs_timeouts: ['', 'tcp', 'tcp -1', 'tcp x', 'tcp 1.5', 'tcp 2678401', 'udp 5 foo 5'],
    lvs_sync_daemon: ['', 'abcdefghijklmnopq VI_1', 'eth0 VI_1 id 256', 'eth0 VI_1 id -1', 'eth0 VI_1 maxlen 0', 'eth0 VI_1 maxlen 65508',
      'eth0 VI_1 port 0', 'eth0 VI_1 port 65536', 'eth0 VI_1 ttl 0', 'eth0 VI_1 ttl 256', 'eth0 VI_1 group 10.0.0.1', 'eth0 VI_1 group x',
      'eth0 VI_1 foo 3', 'eth0 VI_1 id', 'eth0 inst', 'eth0 VI_1 id 1 id 2'],
    vrrp_strict: ['maybe'], vrrp_skip_check_adv_addr: ['maybe'], enable_script_security: ['maybe'],
    vrrp_garp_extra_if: ['x', 'all', '86401', '-1'], vrrp_lower_prio_no_advert: ['maybe'], vrrp_higher_prio_send_advert: ['maybe'],
    vrrp_startup_delay: TIMER_BAD, vrrp_mcast_group4: ['10.0.0.1', 'ff02::12', 'x'], vrrp_mcast_group6: ['ff05::12', '224.0.0.18'],
    vmac_prefix: ['a/b', 'waytoolongprefix'], vrrp_priority: ['-21', '20', 'x'], vrrp_cpu_affinity: ['', 'x', '-1'],
    vrrp_rt_priority: ['0', '100'],
    script_user: ['', 'u g extra'], vrrp_notify_priority_changes: ['maybe'], fifo_write_vrrp_states_on_reload: ['maybe'],
    ...Object.fromEntries(['notify_fifo', 'vrrp_notify_fifo', 'lvs_notify_fifo'].map((k) => [k, ['', '/run/f u g extra']])),
    ...Object.fromEntries(['notify_fifo_script', 'vrrp_notify_fifo_script', 'lvs_notify_fifo_script'].map((k) => [k, ['""', '"/bin/x" u g extra']])),
    default_interface: [''],
  },
  vrrp_script: {
    script: ['', '"/bin/x" extra'], interval: ['0', '-1'], timeout: ['0', 'x'], weight: ['254', '-254', '10 backwards'], rise: ['0'], fall: ['x'],
    user: ['', 'u g extra'],
  },
  vrrp_instance: {
    state: ['PRIMARY'], virtual_router_id: ['0', '256'], priority: ['0', '256'], advert_int: ['0', 'x'], version: ['4'],
    authentication: ['x'], virtual_ipaddress: ['x'], virtual_ipaddress_excluded: ['{\n    10.0.0.300\n  }'],
    unicast_src_ip: ['10.0.0'], mcast_src_ip: ['x'], unicast_peer: ['{\n    10.0.0\n  }', '{\n    10.0.0.2 min_ttl 300\n  }'],
    check_unicast_src: ['maybe'], preempt_delay: ['1001', '-1'], track_interface: ['{\n    eth1 weight 300\n  }'], track_script: ['{\n    s weight x\n  }'],
    notify_master: ['""'], notify_backup: ['"/bin/x" u g extra'], notify_fault: ['""'], notify_stop: ['""'], notify: ['""'],
    ...Object.fromEntries(['garp_master_delay', 'garp_master_repeat', 'garp_master_refresh', 'garp_master_refresh_repeat', 'garp_lower_prio_delay', 'garp_lower_prio_repeat'].map((k) => [k, ['-1']])),
    down_timer_adverts: ['0', '101'], strict_mode: ['maybe'],
    use_vmac: ['a/b', 'name 01:00:5e:00:00', 'vmac1 vmac2', 'thisnameiswaytoolong'], use_ipvlan: ['ipv1 10.0.0.300', 'ipv1 ipv2'],
    mcast_dst_ip: ['10.0.0.1', 'ff05::12'], unicast_ttl: ['256', '-1'], old_unicast_checksum: ['always'],
    garp_extra_if: ['x', 'all', '86401'], lower_prio_no_advert: ['maybe'], higher_prio_send_advert: ['maybe'],
    track_file: ['{\n    f weight 255\n  }', '{\n    f weight 2 sideways\n  }'], track_process: ['{\n    p weight -255\n  }', '{\n    p weight\n  }'],
    notify_master_rx_lower_pri: ['""'], notify_deleted: ['""'], notify_priority_changes: ['maybe'],
    virtual_routes: ['x', '{\n    10.0.0.0/24 dev eth0 metric\n  }'], virtual_rules: ['x', '{\n    from 10.0.0.0/8 priority\n  }'],
    auth_hmac: ['x', '{\n  }', `{\n    key 1 hex:${'ab'.repeat(32)}\n  }`, `{\n    key 1 hex:${'ab'.repeat(32)}\n    active_key 2\n  }`],
  },
  vrrp_sync_group: {
    track_interface: ['{\n    eth1 weight 254\n  }'], track_script: ['{\n    s weight x\n  }'], track_file: ['{\n    f weight 255\n  }'],
    track_process: ['{\n    p reverse weight\n  }'], notify_master: ['""'], notify_backup: ['""'], notify_fault: ['""'], notify_stop: ['""'],
    notify: ['"/bin/x" u g extra'], notify_deleted: ['""'], notify_priority_changes: ['maybe'],
  },
  track_file: { file: ['', '/a /b'], weight: ['255', '-255', '2 sideways', 'x'], init_file: ['x', '1 2', '3000000000', '1 overwrite extra'] },
  vrrp_track_process: {
    process: [''], param_match: ['exact', 'foo'], weight: ['255', '1 backwards'], quorum: ['0', '65536'], quorum_max: ['-1', 'x'],
    delay: ['0', '3601', 'x'], fork_delay: ['0', '-1'], terminate_delay: ['3601'],
  },
  auth_hmac: {
    key: ['0 hex:00', '256 x', '1', '1 hex:zz', '1 short', '1 file:/nonexistent/vipd.key'],
    active_key: ['0', '256', 'x', ''], anti_replay: ['sometimes', 'TIME'], time_window: ['0', '301', '1.5'], mode: ['strict', 'ENFORCE'],
  },
  authentication: { auth_type: ['MD5'], auth_pass: ['""'] },
  'virtual_ipaddress options': { dev: [''], label: [''], brd: ['10.0.0.300'], broadcast: ['x'], scope: ['galaxy'], peer: ['x'] },
  // A route/rule option's bad value drops the line (keepalived logs it and goes on: WARNED_VALUES);
  // an option without its value stops keepalived, and vipd.
  'virtual_routes options': Object.fromEntries(['to', 'src', 'from', 'via', 'gw', 'or', 'dev', 'oif', 'table', 'metric', 'priority', 'preference', 'scope',
    'protocol', 'tos', 'dsfield', 'ssthresh', 'cwnd', 'advmss', 'reordering', 'hoplimit', 'initcwnd', 'initrwnd', 'quickack', 'fastopen_no_cookie',
    'rttvar', 'rto_min', 'features', 'congctl', 'realms', 'pref', 'expires', 'ttl-propagate'].map((k) => [k, ['']])
    .concat([['mtu', ['', 'lock']], ['window', ['']], ['rtt', ['', 'lock']], ['nexthop', ['via', 'dev eth0 weight']]])),
  'virtual_rules options': Object.fromEntries(['from', 'to', 'iif', 'oif', 'table', 'lookup', 'priority', 'preference', 'order', 'fwmark', 'tos', 'dsfield',
    'uidrange', 'sport', 'dport', 'ipproto', 'goto', 'suppress_prefixlength', 'suppress_ifgroup', 'realms', 'protocol', 'type'].map((k) => [k, ['']])),
  virtual_server: {
    lb_algo: ['roundrobin'], lvs_sched: ['RR'], lb_kind: ['DSR'], lvs_method: ['NATS', 'NAT csum', 'TUN foo', 'TUN type gue', 'TUN type gue port 0', 'TUN type vxlan', 'TUN type ipip csum', 'TUN type gre remcsum', 'TUN type gre port 5', 'TUN type gue port 6080 csum x'],
    persistence_timeout: ['0', '2678401'], persistence_engine: ['', 'abcdefghijklmnopq', 'a/b'],
    sorry_server_inhibit: ['maybe'], sorry_server_lvs_method: ['', 'FOO', 'DR type gue', 'TUN type gue', 'TUN type ipip csum'], ha_suspend: ['maybe'],
    persistence_granularity: ['foo', '255.0.255.0', '33'], protocol: ['ICMP'], quorum: ['-1'], hysteresis: ['-1'],
    alpha: ['maybe'], omega: ['maybe'], inhibit_on_failure: ['maybe'], sorry_server: ['10.0.0.300', '10.0.0.5 http'], ip_family: ['ipx'],
    quorum_up: ['""'], quorum_down: ['""'], real_server: ['10.0.0.300 80 {\n  }'],
    ...TIMING,
  },
  real_server: {
    weight: ['-1', '65536'], lvs_method: ['DSR', 'TUN type gue', 'DR csum'], lb_kind: ['x'], inhibit_on_failure: ['maybe'], uthreshold: ['-1'], lthreshold: ['x'],
    TCP_CHECK: ['x'], HTTP_GET: ['{\n    }'], SSL_GET: ['{\n    }'], MISC_CHECK: ['{\n    }'], notify_up: ['""'], notify_down: ['""'],
    SMTP_CHECK: ['x'], DNS_CHECK: ['x'], UDP_CHECK: ['x'], PING_CHECK: ['x'], FILE_CHECK: ['{\n    }'], alpha: ['maybe'],
    ...TIMING,
  },
  TCP_CHECK: { ...CONNECTION, log_all_failures: ['maybe'], connect_port: ['0', 'http'], alpha: ['maybe'], ...TIMING },
  HTTP_GET: { ...CONNECTION, log_all_failures: ['maybe'], url: ['{\n      }'], alpha: ['maybe'], http_protocol: ['2.0', '1.0X'], fast_recovery: ['maybe'], ...TIMING },
  SSL_GET: { ...CONNECTION, log_all_failures: ['maybe'], url: ['{\n      }'], alpha: ['maybe'], http_protocol: ['0.9'], fast_recovery: ['maybe'], ...TIMING },
  url: {
    digest: ['abc'], status_code: ['2xx', '600', '300-200'],
    regex: ['"(a"', '"a" "b"', '"(?>atomic)"', '"x*+"', '"\\p{L}"', '""'], regex_options: ['bogus', 'caseless nope'],
    regex_min_offset: ['-1', 'x'], regex_max_offset: ['-1'],
  },
  MISC_CHECK: { log_all_failures: ['sometimes'], misc_path: ['""'], misc_timeout: ['0'], user: ['a b c'], alpha: ['maybe'], ...TIMING },
  SMTP_CHECK: { ...CONNECTION, log_all_failures: ['maybe'], alpha: ['maybe'], helo_name: ['""'], host: ['x'], ...TIMING },
  'SMTP_CHECK host': CONNECTION,
  DNS_CHECK: { ...CONNECTION, log_all_failures: ['maybe'], alpha: ['maybe'], type: ['BOGUS'], name: ['a..b', `${'x'.repeat(64)}.com`], ...TIMING },
  PING_CHECK: { ...CONNECTION, log_all_failures: ['maybe'], alpha: ['maybe'], ...TIMING },
  UDP_CHECK: {
    ...CONNECTION, alpha: ['maybe'], log_all_failures: ['maybe'], payload: ['zz', '12 3g'], require_reply: ['12 yy'], min_reply_length: ['-1', '70000'], max_reply_length: ['x'], ...TIMING,
  },
  FILE_CHECK: { track_file: ['nosuch'], weight: ['x', '1 forward', '2147483648'] },
  SSL: { ca: ['""'], certificate: ['""'], key: ['""'] },
};

/**
 * context -> keyword -> bad values that keepalived 2.2.7 logs and drops its line for (or only the
 * option, OPTION_DROPPED): vipd warns at file:line, naming the keyword, and leaves the same out.
 */
const WARNED_VALUES: Record<string, Record<string, string[]>> = {
  'virtual_routes options': {
    to: ['x'], src: ['10.0.0.300', 'fd00::1'], from: ['x', 'fd00::/64'], via: ['x', 'inet6 fd00::1'], gw: ['x'], or: ['x'],
    table: ['nosuch', '4294967296'], metric: ['-1', 'x'], priority: ['0x10'], preference: ['x'], scope: ['256', 'galaxy'],
    protocol: ['nosuch', '256'], tos: ['256'], dsfield: ['x'], mtu: ['x', '4294967296'], window: ['lock 5'], ssthresh: ['x'],
    cwnd: ['-1'], advmss: ['x'], reordering: ['-1'], hoplimit: ['256', 'lock 5'], initcwnd: ['-1'], initrwnd: ['lock 1'], quickack: ['2'],
    fastopen_no_cookie: ['2'], rtt: ['961s', '1.5ms', 'soon'], rttvar: ['481s'], rto_min: ['121s'], features: ['bogus'],
    realms: ['256', '1/2/3', 'nosuch'], pref: ['high', 'bogus'], expires: ['5', 'x'], 'ttl-propagate': ['maybe'], inet6: [''],
    nexthop: ['bogus', 'via 10.0.0.1 weight 0', 'via fd00::1', 'dev eth0 realms 300'],
  },
  'virtual_rules options': {
    from: ['x', 'fd00::/8'], to: ['10.0.0.0/33'], table: ['nosuch', '0'], lookup: ['x'], priority: ['x'],
    preference: ['-1'], order: ['4294967296'], fwmark: ['x', '1/x', '1/2/3'], tos: ['256'], dsfield: ['x'], uidrange: ['5', '5-1'],
    sport: ['10', '1-70000'], dport: ['x-y'], ipproto: ['bogus', '256'], goto: ['x', '5'], suppress_prefixlength: ['x', '2147483648'],
    suppress_ifgroup: ['x'], realms: ['256'], protocol: ['bird'], type: ['nat'], inet6: [''],
  },
};

/** Options whose bad value keepalived drops alone (the line is still added). */
const OPTION_DROPPED: Record<string, string[]> = {
  'virtual_routes options': ['features', 'ttl-propagate'],
  'virtual_rules options': ['sport', 'dport', 'ipproto', 'protocol'],
};

/** Implemented keywords where any value is valid (names, paths, flags) or that cannot be misused. */
const ANY_VALUE: Record<string, string[]> = {
  'top level': ['include', 'includer', 'includem', 'includew', 'includeb', 'includea'],
  global_defs: ['router_id', 'vrrp_no_swap', 'rs_init_notifies'],
  vrrp_script: ['init_fail'],
  vrrp_sync_group: ['group', 'global_tracking', 'sync_group_tracking_weight'],
  vrrp_track_process: ['full_command'],
  vrrp_instance: [
    'interface', 'nopreempt', 'preempt', 'accept', 'no_accept', 'native_ipv6', 'no_virtual_ipaddress', 'dont_track_primary', 'vmac_xmit_base',
    'track_src_ip', 'unicast_fault_no_peer',
  ],
  'virtual_routes options': ['onlink', 'append', 'no_track', 'inet'],
  'virtual_rules options': ['not', 'l3mdev', 'blackhole', 'unreachable', 'prohibit', 'nop', 'no_track', 'inet'],
  'virtual_ipaddress options': ['no_track'],
  virtual_server: ['ops', 'virtualhost', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'],
  HTTP_GET: ['virtualhost'],
  SSL_GET: ['virtualhost', 'enable_sni'],
  real_server: ['virtualhost'],
  url: ['path', 'virtualhost', 'regex_no_match'],
  MISC_CHECK: ['misc_dynamic'],
  FILE_CHECK: ['dynamic'],
  SSL: ['password'],
};

t.test('every implemented keyword has bad-value cases (or is listed as taking any value)', async (t) => {
  for (const [ctx, table] of Object.entries(KEYWORD_TABLE)) {
    if (!Object.hasOwn(CONTEXT, ctx)) continue;
    for (const [k, e] of Object.entries(table)) {
      if (e.status !== 'implemented') continue;
      const tested = [BAD_VALUES, WARNED_VALUES].some((bad) => Object.hasOwn(bad[ctx] ?? {}, k));
      t.ok(tested || (ANY_VALUE[ctx] ?? []).includes(k), `${ctx} ${k}: bad values are tested`);
    }
  }
});

t.test('bad values are ConfigErrors at file:line that name the keyword', async (t) => {
  let n = 0;
  for (const [ctx, byKeyword] of Object.entries(BAD_VALUES)) {
    const { wrap, line } = CONTEXT[ctx]!;
    for (const [k, values] of Object.entries(byKeyword)) {
      for (const v of values) {
        const text = wrap(ctx === 'virtual_ipaddress options' ? `${k} ${v}`.trimEnd() : `${k} ${v}`);
        let err: unknown;
        try {
          parseKeepalivedConfig(text, { file: '/bad.conf', configId: 'x' });
        } catch (e) {
          err = e;
        }
        n++;
        if (!(err instanceof ConfigError)) {
          t.fail(`${ctx}: '${k} ${v}' loads (expected a ConfigError)`);
          continue;
        }
        t.equal(err.file, '/bad.conf', `${ctx}: '${k} ${v}': the file`);
        t.ok(err.line !== undefined && err.line >= line && err.line <= line + 2, `${ctx}: '${k} ${v}': line ${err.line} (${err.message})`);
        // Entries of track_* lists are named by their own first word: `eth1 weight: 300 is out of range`.
        t.ok(err.message.includes(k) || /^track_/.test(k) || (ctx === 'top level' && /virtual_server|missing|'\{' block/.test(err.message)), `${ctx}: '${k} ${v}': names the keyword (${err.message})`);
      }
    }
  }
  t.ok(n > 150, `${n} bad values`);
});

t.test('route and rule options: a bad value is warned at file:line and its line (or option) left out, as keepalived', async (t) => {
  for (const [ctx, byKeyword] of Object.entries(WARNED_VALUES)) {
    const { wrap, line } = CONTEXT[ctx]!;
    for (const [k, values] of Object.entries(byKeyword)) {
      const optionOnly = OPTION_DROPPED[ctx]!.includes(k);
      for (const v of values) {
        const { config, warnings } = parseKeepalivedConfig(wrap(`${k} ${v}`), { file: '/bad.conf', configId: 'x' });
        const ignored = warnings.filter((w) => /ignored, as keepalived$/.test(w.message));
        t.equal(ignored.length, 1, `${ctx}: '${k} ${v}': one warning (${warnings.map((w) => w.message).join(' | ')})`);
        const w = ignored[0];
        if (!w) continue;
        t.equal(w.file, '/bad.conf', `${ctx}: '${k} ${v}': the file`);
        t.equal(w.line, line, `${ctx}: '${k} ${v}': line ${w.line}`);
        t.ok(w.message.includes(k), `${ctx}: '${k} ${v}': names the keyword (${w.message})`);
        t.match(w.message, optionOnly ? /option ignored/ : /line ignored/, `${ctx}: '${k} ${v}': ${optionOnly ? 'the option' : 'the line'} is left out`);
        const kept = ctx === 'virtual_routes options' ? config.vrrpInstances[0]!.virtualRoutes ?? [] : config.staticRules ?? [];
        t.equal(kept.length, optionOnly ? 1 : 0, `${ctx}: '${k} ${v}': ${optionOnly ? 'the line is kept' : 'no line is kept'}`);
      }
    }
  }
});
