// Prints what keepalived 2.2.7 does with every broken-config case (the corpus and each keyword's
// bad values): "refuses" or "runs", with keepalived's messages, and where that differs from the
// table in test/fixtures/keepalived-outcomes.ts. Run as root:
//   node dist/test/tools/keepalived-outcomes.js [FILTER]
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { runAll, type OracleCase } from '../helpers/keepalived-oracle.js';
import { BAD_VALUES, caseId, caseText } from '../fixtures/config-bad-values.js';
import { BROKEN_DIR, KEEPALIVED_OUTCOMES } from '../fixtures/keepalived-outcomes.js';

const filter = process.argv[2] ?? '';
const cases: OracleCase[] = [];
for (const f of readdirSync(BROKEN_DIR).filter((x) => x.endsWith('.conf'))) cases.push({ id: f, file: path.join(BROKEN_DIR, f) });
for (const [ctx, byKeyword] of Object.entries(BAD_VALUES)) {
  for (const [k, values] of Object.entries(byKeyword)) for (const v of values) cases.push({ id: caseId(ctx, k, v), text: caseText(ctx, k, v) });
}
const ns = `vipd-oracle-${process.pid}`;
const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'inherit' });
ip('netns', 'add', ns);
try {
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  for (const [a, b] of [['eth0', 'eth0p'], ['eth1', 'eth1p']]) {
    ip('-n', ns, 'link', 'add', a!, 'type', 'veth', 'peer', 'name', b!);
    ip('-n', ns, 'link', 'set', a!, 'up');
    ip('-n', ns, 'link', 'set', b!, 'up');
  }
  ip('-n', ns, 'addr', 'add', '10.0.0.100/24', 'dev', 'eth0');
  const results = await runAll(ns, cases.filter((c) => c.id.includes(filter)));
  for (const r of results) {
    const want = KEEPALIVED_OUTCOMES[r.id];
    const got = r.refuses ? 'refuses' : 'runs';
    const differs = want === undefined ? ' [NOT IN TABLE]' : (want === 'refuses') !== r.refuses ? ` [TABLE SAYS ${JSON.stringify(want)}]` : '';
    console.log(`${r.id.replaceAll('\n', '\\n')}: ${got}${differs}`);
    for (const m of r.messages) console.log(`    ${m}`);
  }
} finally {
  ip('netns', 'del', ns);
}
