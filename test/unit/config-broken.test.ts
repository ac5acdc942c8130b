// The broken-config corpus: every file under test/fixtures/config/broken/*.conf must fail to
// load with exactly the message in this table (file:line first; paths are shown relative to the
// corpus directory). *.inc files are helpers included by the cases. A case missing from the
// table, or a table row without its file, fails the test.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { loadKeepalivedConfig } from '../../src/config/index.js';

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
  ["32-duplicate-vrid.conf", "32-duplicate-vrid.conf:6: vrrp_instance VI_2: virtual_router_id 51 is already used by VI_1 on eth0"],
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
