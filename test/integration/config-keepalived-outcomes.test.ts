// The table of what keepalived 2.2.7 does with each broken config (test/fixtures/keepalived-outcomes.ts)
// cannot drift: every 'refuses' row and a sample of the others are run by keepalived again
// (`keepalived -n -l -D -f F` in a namespace with eth0/eth1, all at once: a few seconds), and the
// same rows through `vipd -t`: exit 1 where keepalived refuses, 5 (runs, with warnings) otherwise.
import * as path from 'node:path';
import t from 'tap';
import { BAD_VALUES, caseId, caseText } from '../fixtures/config-bad-values.js';
import { BROKEN_DIR, KEEPALIVED_OUTCOMES, NOT_IN_KEEPALIVED_2_2_7 } from '../fixtures/keepalived-outcomes.js';
import { runAll, type OracleCase } from '../helpers/keepalived-oracle.js';
import { linksNetns } from '../helpers/links-netns.js';
import { requireEnv } from '../helpers/require.js';

/** Rows keepalived runs that are re-checked (the most common: VIP lines, priority/state, LVS values). */
const SAMPLE = [
  '06-priority-0.conf', '10-bad-vip.conf', '11-bad-vip-prefix.conf', '16-bad-state.conf', '19-bad-port.conf', '20-bad-rs-port.conf',
  '22-negative-connect-timeout.conf', '30-advert-int-zero.conf', '38-undefined-vs-group.conf', '41-unknown-vip-option.conf',
  'virtual_ipaddress options | scope galaxy', 'virtual_ipaddress options | brd 10.0.0.300', 'vrrp_instance | virtual_router_id 0',
  'virtual_server | lb_kind DSR', 'real_server | weight -1', 'TCP_CHECK | connect_port 0',
  // The config language: braces and quotes out of place, include loops, block keywords without a block.
  '01-unbalanced-open.conf', '02-unbalanced-close.conf', '15-duplicate-instance.conf', '27-include-loop.conf', '28-include-self.conf',
  '29-unterminated-quote.conf', '33-value-keyword-with-block.conf', '35-vs-no-port.conf', '40-script-weight-range.conf', '49-lone-brace.conf',
  ...['global_defs', 'vrrp_script', 'vrrp_sync_group', 'virtual_server_group', 'track_file', 'vrrp_track_file', 'vrrp_track_process', 'SSL',
    'static_ipaddress', 'static_routes', 'static_rules'].map((k) => `top level | ${k} x`),
  ...['script_user', 'notify_fifo', 'vrrp_notify_fifo', 'lvs_notify_fifo', 'default_interface'].map((k) => `global_defs | ${k} `),
  'global_defs | vrrp_garp_extra_if all', 'virtual_server | sorry_server_lvs_method ',
];

function allCases(): OracleCase[] {
  const out: OracleCase[] = [];
  for (const f of Object.keys(KEEPALIVED_OUTCOMES).filter((id) => id.endsWith('.conf'))) out.push({ id: f, file: path.join(BROKEN_DIR, f) });
  for (const [ctx, byKeyword] of Object.entries(BAD_VALUES)) {
    for (const [k, values] of Object.entries(byKeyword)) for (const v of values) out.push({ id: caseId(ctx, k, v), text: caseText(ctx, k, v) });
  }
  return out.filter((c) => !NOT_IN_KEEPALIVED_2_2_7(c.id));
}

t.test("keepalived 2.2.7 refuses exactly the 'refuses' rows (and runs the sample)", async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'keepalived'] })) return;
  const ns = await linksNetns(t, ['eth0', 'eth0p', 'eth1', 'eth1p']);
  // As test/tools/keepalived-outcomes.ts: eth0 has an address of the cases' subnet.
  await ns.exec(['ip', 'addr', 'add', '10.0.0.100/24', 'dev', 'eth0']);
  const cases = allCases().filter((c) => KEEPALIVED_OUTCOMES[c.id] === 'refuses' || SAMPLE.includes(c.id));
  t.ok(cases.length >= SAMPLE.length + 10, `${cases.length} rows re-checked`);
  const results = await runAll(ns.name, cases, cases.length);
  for (const r of results) {
    const want = KEEPALIVED_OUTCOMES[r.id];
    t.equal(r.refuses, want === 'refuses', `${r.id}: keepalived ${r.refuses ? 'refuses' : 'runs'} it (table: ${JSON.stringify(want)})`, { messages: r.messages });
  }
});

t.test("vipd -t: exit 1 where keepalived refuses, 5 where it runs the sample with warnings", async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const { VIPD } = await import('../helpers/daemon-lab.js');
  const ns = await linksNetns(t, ['eth0', 'eth0p', 'eth1', 'eth1p']);
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(path.join(tmpdir(), 'vipd-outcomes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cases = allCases().filter((c) => SAMPLE.includes(c.id) || ['03-vrid-0.conf', '13-no-interface.conf', '32-duplicate-vrid.conf'].includes(c.id));
  await Promise.all(cases.map(async (c, i) => {
    let file = c.file;
    if (!file) {
      file = path.join(dir, `${i}.conf`);
      writeFileSync(file, c.text!);
    }
    const r = await ns.exec(['node', VIPD, '-t', '-f', file]);
    const want = KEEPALIVED_OUTCOMES[c.id] === 'refuses' ? 1 : 5;
    t.equal(r.code, want, `${c.id}: vipd -t exits ${r.code}`, { stderr: r.stderr });
    if (want === 5) t.match(r.stderr, /as keepalived does/, `${c.id}: says what vipd does instead`);
  }));
});
