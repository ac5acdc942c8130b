// Braces and quotes out of place: keepalived 2.2.7 goes on, reading braces by keyword, and vipd
// reads the same (each case was run through `keepalived -n -l -D -d`; what it dumped is asserted
// here), warning at file:line what the brace or quote did.
import t from 'tap';
import { parseKeepalivedConfig } from '../../src/config/index.js';

const read = (text: string) => parseKeepalivedConfig(text, { file: '/x.conf', configId: 'x' });
const instances = (text: string) => read(text).config.vrrpInstances.map((i) => ({
  name: i.name, vrid: i.virtualRouterId, priority: i.priority, vips: i.virtualIpAddresses.map((v) => v.address),
}));
const messages = (text: string) => read(text).warnings.map((w) => `${w.line}: ${w.message}`);

t.test("a '{' after a keyword that takes no block (or an unknown one) is ignored: the next '}' ends the block around it", async (t) => {
  const unknown = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  frobnicate {\n    priority 30\n  }\n  priority 40\n  virtual_ipaddress {\n    10.0.0.51/24\n  }\n}\n';
  t.strictSame(instances(unknown), [{ name: 'VI_1', vrid: 51, priority: 30, vips: [] }], 'the lines after the brace are the instance\'s, the rest is top level');
  t.match(messages(unknown), ["4: unexpected '{' ('frobnicate' takes no block): ignored, so the next '}' ends vrrp_instance VI_1 (line 1), as keepalived does"]);
  t.ok(messages(unknown).includes("7: unknown keyword 'priority' in the top level"));
  const value = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51 {\n  priority 30\n  }\n  priority 40\n}\nvrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n}\n';
  t.strictSame(instances(value).map((i) => [i.name, i.priority]), [['VI_1', 30], ['VI_2', 100]], 'a brace on the value line: the same');
  t.ok(messages(value).includes("7: unexpected '}' (no block is open): ignored, as keepalived does"));
});

t.test("a block keyword without '{' reads the lines after it, to the next '}', as its block", async (t) => {
  const list = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress\n    10.0.0.5/24\n  }\n  priority 50\n}\nvrrp_instance VI_3 {\n  interface eth0\n  virtual_router_id 53\n}\n';
  t.strictSame(instances(list), [{ name: 'VI_1', vrid: 51, priority: 50, vips: ['10.0.0.5'] }, { name: 'VI_3', vrid: 53, priority: 100, vips: [] }]);
  t.match(messages(list), ["4: virtual_ipaddress: no '{' after it, so everything up to the '}' at line 6 (lines 5-6) is read as its block as keepalived does"]);
  // A vrrp_script without its brace swallows the instance after it: no instance runs, as in keepalived.
  const swallow = 'vrrp_script chk\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  track_script {\n    chk\n  }\n  virtual_ipaddress {\n    10.0.0.51/24\n  }\n}\n';
  t.strictSame(instances(swallow), []);
  t.ok(messages(swallow).includes("1: vrrp_script: no '{' after it, so everything up to the '}' at line 7 (lines 2-7, with vrrp_instance VI_1 at line 2) is read as its block as keepalived does"), 'says what it swallowed');
});

t.test("an extra '}' is ignored; a block the config ends inside ends there, having swallowed what follows", async (t) => {
  const extra = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n}\n}\nvrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n  virtual_ipaddress {\n    10.0.0.52/24\n  }\n}\n}\n';
  t.strictSame(instances(extra).map((i) => [i.name, i.vips]), [['VI_1', []], ['VI_2', ['10.0.0.52']]]);
  const unclosed = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  authentication {\n    auth_type PASS\n    auth_pass secret\nvrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n  virtual_ipaddress {\n    10.0.0.52/24\n  }\n}\n';
  const r = read(unclosed);
  t.strictSame(r.config.vrrpInstances.map((i) => [i.name, i.authentication]), [['VI_1', { type: 'PASS', pass: 'secret' }]], "VI_2's lines are unknown keywords in authentication");
  t.ok(messages(unclosed).includes("10: unexpected '{' ('virtual_ipaddress' takes no block): ignored, so the next '}' ends authentication (line 4), as keepalived does"));
});

t.test('an unterminated quote drops the rest of its line, as keepalived', async (t) => {
  const r = read('global_defs {\n  router_id "abc def\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  notify_master "/bin/notify MASTER\n}\n');
  t.equal(r.config.global.routerId, undefined, 'router_id without its value is ignored');
  t.equal(r.config.vrrpInstances[0]!.notifyMaster, undefined, 'the notify script is not run');
  t.match(r.warnings.map((w) => `${w.line}: ${w.message}`), ['2: unterminated quoted string: "abc def is left out as keepalived does']);
  // A keyword keepalived cannot do without still stops the load ("missing a parameter").
  t.throws(() => read('vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  authentication {\n    auth_type PASS\n    auth_pass "abc\n  }\n}\n'), { message: /:6: auth_pass: missing/ });
});

t.test('a second vrrp_instance of one name is skipped unread (its errors too)', async (t) => {
  const text = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 0\n  frob\n}\n';
  t.strictSame(instances(text), [{ name: 'VI_1', vrid: 51, priority: 100, vips: [] }]);
  t.match(messages(text), ['5: vrrp_instance VI_1: defined twice (first at line 1), this block is skipped as keepalived does']);
});

t.test('sorry_server_lvs_method: ignored without a sorry_server, its value needed with one', async (t) => {
  const vs = (body: string) => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n${body}  real_server 10.0.0.11 80 {\n  }\n}\n`;
  t.match(messages(vs('  sorry_server_lvs_method\n')), ['3: sorry_server_lvs_method: before or without sorry_server, ignored as keepalived does']);
  t.throws(() => read(vs('  sorry_server 10.0.0.9 80\n  sorry_server_lvs_method\n')), { message: /:4: sorry_server_lvs_method: missing/ });
});

t.test('a vrrp_script weight out of range is used as it is (the effective priority stays within 1..254)', async (t) => {
  const r = read('vrrp_script a {\n  script /bin/true\n  weight 1000\n}\nvrrp_script b {\n  script /bin/true\n  weight -300\n}\n');
  t.strictSame(r.config.vrrpScripts.map((s) => s.weight), [1000, -300]);
});

t.test('a virtual server without a port is made persistent (360 s), as keepalived 2.2.7 programs it', async (t) => {
  const r = read('virtual_server 10.0.0.10 {\n  protocol TCP\n  real_server 10.2.0.2 80 {\n  }\n}\n');
  t.match(r.config.virtualServers[0], { persistenceTimeout: 360, target: { kind: 'address', address: '10.0.0.10', port: 0 } });
});
