// contrib/vipd.service: the keys that make vipd run unprivileged with exactly CAP_NET_ADMIN and
// CAP_NET_RAW, reload on SIGHUP and start with k0s-like flags. (systemd-analyze verify runs in
// test/integration/daemon-caps.test.ts.)
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const unitFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../contrib/vipd.service');

/** systemd's INI dialect, enough for this file: sections, Key=Value, comments, repeated keys. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let cur: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const s = /^\[([A-Za-z]+)\]$/.exec(line);
    if (s) {
      cur = new Map();
      sections.set(s[1]!, cur);
      return;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !cur) throw new Error(`line ${i + 1}: not a section or Key=Value: ${raw}`);
    cur.set(kv[1]!, [...(cur.get(kv[1]!) ?? []), kv[2]!]);
  });
  return sections;
}

t.test('contrib/vipd.service', async (t) => {
  const unit = parseUnit(readFileSync(unitFile, 'utf8'));
  t.same([...unit.keys()], ['Unit', 'Service', 'Install']);
  const svc = unit.get('Service')!;
  const one = (k: string) => svc.get(k)?.[0];
  t.equal(one('User'), 'vipd');
  t.same(one('AmbientCapabilities')?.split(/\s+/).sort(), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  t.same(one('CapabilityBoundingSet')?.split(/\s+/).sort(), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  t.equal(one('NoNewPrivileges'), 'yes');
  t.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  const exec = one('ExecStart')?.split(/\s+/) ?? [];
  t.match(exec[1], /bin\/vipd\.js$/);
  for (const flag of ['--dont-fork', '--use-file', '--no-syslog', '--log-console']) t.ok(exec.includes(flag), `ExecStart has ${flag}`);
  // Everything vipd writes must be somewhere the vipd user may write.
  for (const flag of ['--pid', '--status-socket', '--dump-file']) {
    t.match(exec[exec.indexOf(flag) + 1], /^\/run\/vipd\//, `${flag} under RuntimeDirectory`);
  }
  t.equal(one('RuntimeDirectory'), 'vipd');
  t.ok(Number(one('TimeoutStopSec')) <= 5, 'stops within k0s-like 5 s');
  t.equal(unit.get('Install')?.get('WantedBy')?.[0], 'multi-user.target');
});
