// The keyword table covers keepalived.conf(5): every keyword of the installed man page (Debian's
// keepalived 2.2.7) and of the 2.3/2.4 additions has an outcome (implemented, warned, error), and
// every outcome but "implemented" says what will not happen. Warned keywords really warn, with
// file:line and their note, when a config uses them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { KEYWORD_TABLE, parseKeepalivedConfig } from '../../src/config/index.js';
import { withKeywordDocs } from '../../src/config/keepalived/keyword-docs.js';
import { isCi } from '../helpers/require.js';

const MAN_PAGE = '/usr/share/man/man5/keepalived.conf.5.gz';

/**
 * Keywords of a keepalived.conf(5) troff source. The page has no .TP/.IP lists: its keyword
 * reference is .nf blocks where every keyword line starts (after indentation) with the keyword in
 * bold, `\fBkeyword \fRARGUMENTS`, and blocks nest by indentation. So: the first bold word of a
 * line. Bold words in running prose never start a line except the ones in NOT_KEYWORDS.
 */
export function manPageKeywords(troff: string): Set<string> {
  const out = new Set<string>();
  for (const line of troff.split('\n')) {
    const m = /^\s*\\fB([A-Za-z~][A-Za-z0-9_-]*)/.exec(line);
    if (m && !NOT_KEYWORDS.has(m[1]!)) out.add(m[1]!);
  }
  return out;
}

/** Bold words that start a line of the man page but are not keywords. */
const NOT_KEYWORDS = new Set([
  // Section titles set in bold inside the text ("GLOBAL CONFIGURATION", "Static routes", ...).
  'GLOBAL', 'Global', 'BFD', 'VRRPD', 'VRRP', 'LVS', 'Static', 'Virtual', 'NOT', 'Note', 'Important',
  // "keepalived.conf is the configuration file..." (DESCRIPTION).
  'keepalived',
  // Placeholders in the "Sequence blocks" / "List blocks" prose (~SEQ(var, start, step, end), val1).
  'start', 'val1',
]);

/**
 * Keywords keepalived 2.3 and 2.4 added to keepalived.conf(5) (the names only, from the 2.4.3
 * man page: `comm -13` of both pages' keyword lists). k0s bundles 2.4.3.
 */
const ADDED_IN_2_4 = [
  'active_key', 'anti_replay', 'auth_hmac', 'dbus_no_interface_name', 'iproute_etc_dir', 'iproute_usr_dir',
  'json_file_location', 'json_version', 'mode', 'multihop', 'no_virtual_ipaddress', 'snmp_rs_stats_update_interval',
  'snmp_vs_stats_update_interval', 'state_file_location', 'stats_file_location', 'time_window', 'timer_expired_backup',
  'tls_compliant', 'use_symlink_paths', 'v3_checksum_as_v2', 'vrrp_delay_after_boot',
];

/** The installed keepalived.conf(5) as troff; undefined (failed under CI, else skipped) when it is missing. */
function manPage(t: Test): string | undefined {
  if (!existsSync(MAN_PAGE)) {
    if (isCi()) t.fail(`${MAN_PAGE} is missing (apt-get install -y keepalived)`);
    else t.plan(0, `skipped: ${MAN_PAGE} is missing`);
    return undefined;
  }
  return execFileSync('zcat', [MAN_PAGE], { encoding: 'utf8' });
}

const allKeywords = new Set(Object.values(KEYWORD_TABLE).flatMap((ctx) => Object.keys(ctx)));

t.test('every keyword of the installed keepalived.conf(5) is in the table', async (t) => {
  const troff = manPage(t);
  if (troff === undefined) return;
  const keywords = manPageKeywords(troff);
  t.ok(keywords.size > 300, `the extraction finds the page's keywords (${keywords.size})`);
  // Spot checks that the extraction reads what it should, from several sections.
  for (const k of ['global_defs', 'vrrp_instance', 'virtual_ipaddress', 'lvs_sched', 'TCP_CHECK', 'regex_stack', 'vrrp_track_process', 'include']) {
    t.ok(keywords.has(k), `extracted ${k}`);
  }
  const missing = [...keywords].filter((k) => !allKeywords.has(k)).sort();
  t.strictSame(missing, [], 'no man-page keyword is missing from KEYWORD_TABLE');
});

// keepalived reads braces by keyword (block-parser.ts): a keyword the page shows opening a block
// must open one in vipd's tables too, or its '{' would be ignored and its block mis-read.
t.test("every keyword keepalived.conf(5) shows with a '{' block opens a block in the table", async (t) => {
  const troff = manPage(t);
  if (troff === undefined) return;
  const blocks = new Set<string>();
  for (const line of troff.split('\n')) {
    const m = /^\s*\\fB([A-Za-z_0-9|]+)(?:\\fR)?\s.*\{\s*$/.exec(line);
    if (m) for (const k of m[1]!.split('|')) blocks.add(k);
  }
  t.ok(blocks.size > 30, `the page's block keywords (${blocks.size})`);
  const opening = new Set(Object.values(KEYWORD_TABLE).flatMap((ctx) => Object.entries(ctx).filter(([, e]) => e.block !== undefined || e.list).map(([k]) => k)));
  // `virtual_server group NAME {` is virtual_server's form for a group.
  t.strictSame([...blocks].filter((k) => !opening.has(k)).sort(), [], 'none is read as a keyword without a block');
});

t.test('the 2.3/2.4 additions are in the table', async (t) => {
  t.strictSame(ADDED_IN_2_4.filter((k) => !allKeywords.has(k)), []);
});

t.test('every entry has a status, and every warned or error entry says what will not happen', async (t) => {
  for (const [ctx, table] of Object.entries(KEYWORD_TABLE)) {
    for (const [k, e] of Object.entries(table)) {
      t.ok(['implemented', 'warned', 'error'].includes(e.status), `${ctx} ${k}: status`);
      if (e.status !== 'implemented') t.match(e.note ?? '', /^[a-z"'A-Z(].{8,}[^.]$/, `${ctx} ${k}: a note (no final period)`);
      if (e.block !== undefined) t.ok(Object.hasOwn(KEYWORD_TABLE, e.block), `${ctx} ${k}: block context ${e.block} exists`);
    }
  }
});

t.test('a warned keyword warns with file:line and its note; the config still loads', async (t) => {
  const text = [
    'global_defs {',
    '  notification_email {',
    '    ops@example.com',
    '  }',
    '  enable_snmp_vrrp',
    '}',
    'vrrp_instance V {',
    '  interface eth0',
    '  virtual_router_id 1',
    '  use_vmac_addr',
    '  virtual_ipaddress {',
    '    10.0.0.1/24 home',
    '  }',
    '}',
    'bfd_instance B {',
    '  neighbor_ip 10.0.0.2',
    '}',
  ].join('\n');
  const { config, warnings } = parseKeepalivedConfig(text, { file: '/k.conf' });
  t.equal(config.vrrpInstances.length, 1);
  const note = (ctx: string, k: string) => KEYWORD_TABLE[ctx]![k]!.note!;
  t.strictSame(warnings.map((w) => `${w.line}: ${w.message}`), [
    `2: notification_email: not supported by vipd, ${note('global_defs', 'notification_email')}`,
    `5: enable_snmp_vrrp: not supported by vipd, ${note('global_defs', 'enable_snmp_vrrp')}`,
    `10: use_vmac_addr: not supported by vipd, ${note('vrrp_instance', 'use_vmac_addr')}`,
    `12: virtual_ipaddress home: not supported by vipd, ${note('virtual_ipaddress options', 'home')}`,
    `15: bfd_instance: not supported by vipd, ${note('top level', 'bfd_instance')}`,
  ]);
});

t.test('README.md lists the table as it is (npm run docs:keywords)', async (t) => {
  const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md'), 'utf8');
  t.ok(withKeywordDocs(readme) === readme, 'README.md keyword section is up to date: run `npm run docs:keywords`');
});
