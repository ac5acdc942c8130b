// keepalived's own sample configs (Debian's /usr/share/doc/keepalived/samples) through
// `keepalived -t` and `vipd -t`, in a network namespace that has the interfaces they name: every
// file keepalived accepts, vipd accepts; nothing crashes; a keyword keepalived knows is never an
// "unknown keyword" to vipd. vipd's warnings per file are recorded in the test output.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { VIPD } from '../helpers/daemon-lab.js';
import { linksNetns } from '../helpers/links-netns.js';
import { requireEnv } from '../helpers/require.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';
// What the samples name: eth0..eth3 (veth pairs) and the VLAN-style eth0.1 (a macvlan here).
const LINKS = ['eth0', 'eth1', 'eth2', 'eth3', 'eth0.1'];

/** keepalived 2.2.7 -t exit codes (observed): 0 OK, 5 runs with warnings, 6 script security / includea failures. */
const KEEPALIVED_RUNS = new Set([0, 5, 6]);

t.test('every sample keepalived accepts, vipd accepts', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'keepalived'] })) return;
  const files = readdirSync(SAMPLES).filter((f) => f.startsWith('keepalived.conf.')).sort();
  t.ok(files.length >= 20, `the samples are there (${files.length})`);
  const ns = await linksNetns(t, LINKS);
  for (const f of files) {
    const file = path.join(SAMPLES, f);
    const ka = await ns.exec(['keepalived', '-t', '-l', '-n', '-f', file]);
    const vipd = await ns.exec(['node', VIPD, '-t', '-f', file]);
    t.ok(KEEPALIVED_RUNS.has(ka.code), `${f}: keepalived -t exits ${ka.code}`);
    t.ok(vipd.code === 0 || vipd.code === 5, `${f}: vipd -t accepts it (exit ${vipd.code})`, { stderr: vipd.stderr });
    t.notMatch(vipd.stderr, /TypeError|RangeError|at .*\.js:\d+/, `${f}: no crash`);
    t.match(vipd.stdout, /: OK/, `${f}: says OK`);
    const warnings = vipd.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    t.equal(vipd.code, warnings.length > 0 ? 5 : 0, `${f}: exit 5 exactly when there are warnings`);
    // keepalived: "(file: Line N) Unknown keyword 'X'"; vipd: "unknown keyword 'X' in ...".
    const kaUnknown = new Set([...ka.stderr.matchAll(/Unknown keyword '([^']+)'/g)].map((m) => m[1]));
    for (const m of vipd.stderr.matchAll(/unknown keyword '([^']+)'/g)) {
      t.ok(kaUnknown.has(m[1]), `${f}: '${m[1]}' is unknown to keepalived too`);
    }
    t.comment(`${f}: keepalived -t ${ka.code}, vipd -t ${vipd.code}, ${warnings.length} warning(s)`);
    for (const w of warnings) t.comment(`  ${w.replace(`${SAMPLES}/`, '')}`);
  }
});
