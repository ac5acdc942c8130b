// The rules keepalived applies before running a script, over an injected file system and user
// database; each case is one keepalived 2.2.7 was seen to make the same call on (observed in a
// lab and in UML: a 0777 script, a script in a 0777 directory, one owned by nobody, in a sticky
// 1777 directory, group-writable by root's group, through a symlink, not executable, missing, a
// bare name in PATH; the same 0777 script run as nobody, which is not refused; who runs a script
// without a user). Then who scripts run as (ScriptRules, and the daemon's ScriptPolicy over it).
import t from 'tap';
import {
  checkScript, scriptCheckMessage, scriptRuns, ScriptRules, UserLookupError, type PathStat, type RunAs, type ScriptFs, type ScriptHost,
} from '../../src/health/index.js';
import { ScriptPolicy } from '../../src/daemon/script-policy.js';
import { permissiveScriptHost } from '../helpers/daemon-fakes.js';
import type { ScriptCommand } from '../../src/config/types.js';

const DIR = 0o040000;
const REG = 0o100000;

/** A tree of paths -> stat; `links` maps a symlink to its target. */
function fakeFs(tree: Record<string, Partial<PathStat> & { mode: number }>, links: Record<string, string> = {}): ScriptFs {
  const stat = (p: string): PathStat => {
    const s = tree[p];
    if (!s) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return { uid: 0, gid: 0, ...s };
  };
  return {
    realpath: (p) => {
      const real = links[p] ?? p;
      stat(real);
      return real;
    },
    stat: (p) => stat(links[p] ?? p),
  };
}

const base = {
  '/': { mode: DIR | 0o755 }, '/tmp': { mode: DIR | 0o1777 }, '/etc': { mode: DIR | 0o755 }, '/etc/k': { mode: DIR | 0o755 },
  '/usr': { mode: DIR | 0o755 }, '/usr/bin': { mode: DIR | 0o755 }, '/usr/bin/true': { mode: REG | 0o755 },
};
const fs = fakeFs({
  ...base,
  '/etc/k/good.sh': { mode: REG | 0o755 },
  '/etc/k/ww.sh': { mode: REG | 0o777 },
  '/etc/k/gw.sh': { mode: REG | 0o775 },
  '/etc/k/gw-staff.sh': { mode: REG | 0o775, gid: 50 },
  '/etc/k/owned.sh': { mode: REG | 0o755, uid: 65534, gid: 65534 },
  '/etc/k/noexec.sh': { mode: REG | 0o644 },
  '/etc/k/wd': { mode: DIR | 0o777 },
  '/etc/k/wd/in-wd.sh': { mode: REG | 0o755 },
  '/tmp/lab': { mode: DIR | 0o700 },
  '/tmp/lab/in-tmp.sh': { mode: REG | 0o755 },
  '/tmp/sd': { mode: DIR | 0o1777 },
  '/tmp/sd/in-sd.sh': { mode: REG | 0o755 },
  '/etc/k/private': { mode: DIR | 0o700 },
  '/etc/k/private/p.sh': { mode: REG | 0o755 },
  '/etc/k/c': { mode: DIR | 0o775 },
  '/etc/k/c/c.sh': { mode: REG | 0o775 },
  '/tmp/x.sh': { mode: REG | 0o755 },
  '/tmp/d': { mode: DIR | 0o777 },
  '/tmp/d/y.sh': { mode: REG | 0o755 },
  '/tmp/e': { mode: DIR | 0o755 },
  '/tmp/e/z.sh': { mode: REG | 0o755, uid: 65534, gid: 65534 },
  '/tmp/e/f.sh': { mode: REG | 0o775, gid: 65534 },
  '/a': { mode: DIR | 0o1777, uid: 1000 },
  '/a/b.sh': { mode: REG | 0o755 },
  '/srv': { mode: DIR | 0o755 },
  '/srv/x1.sh': { mode: REG | 0o100 },
  '/srv/g.sh': { mode: REG | 0o750, uid: 5, gid: 7 },
  '/srv/o.sh': { mode: REG | 0o754, uid: 5, gid: 7 },
  '/usr/bin/check': { mode: REG | 0o755 },
}, { '/etc/k/link-to-ww.sh': '/etc/k/ww.sh' });

const ROOT = { uid: 0, gid: 0 };
const NOBODY = { uid: 65534, gid: 65534 };

t.test('as root: insecure when a non-root user could change the script or a directory above it', async (t) => {
  const insecure = (p: string) => {
    const c = checkScript(p, ROOT, fs);
    return c.ok ? c.insecure : `not ok: ${c.why}`;
  };
  t.equal(insecure('/etc/k/good.sh'), false);
  t.equal(insecure('/etc/k/ww.sh'), true, '0777');
  t.equal(insecure('/etc/k/link-to-ww.sh'), true, 'the symlink is resolved');
  t.equal(insecure('/etc/k/wd/in-wd.sh'), true, 'in a 0777 directory');
  t.equal(insecure('/etc/k/owned.sh'), true, 'owned by nobody');
  t.equal(insecure('/tmp/lab/in-tmp.sh'), false, '/tmp is sticky');
  t.equal(insecure('/tmp/sd/in-sd.sh'), false, 'a sticky 1777 directory');
  t.equal(insecure('/etc/k/gw.sh'), false, "group-writable by root's group");
  t.equal(insecure('/etc/k/gw-staff.sh'), true, 'group-writable by another group');
  t.equal(insecure('/etc/k/noexec.sh'), 'not ok: not-executable');
  t.equal(insecure('/etc/k/missing.sh'), 'not ok: missing');
});

t.test('why a root-run script is unsafe: the nearest cause, file first', async (t) => {
  const why = (p: string) => {
    const c = checkScript(p, ROOT, fs);
    return c.ok ? c.unsafe : `not ok: ${c.why}`;
  };
  t.equal(why('/tmp/x.sh'), undefined, 'sticky /tmp: safe (keepalived ran it)');
  t.equal(why('/tmp/d/y.sh'), 'directory /tmp/d is writable by others');
  t.equal(why('/tmp/e/z.sh'), '/tmp/e/z.sh is owned by uid 65534');
  t.equal(why('/tmp/e/f.sh'), '/tmp/e/f.sh is writable by group 65534');
  t.equal(why('/etc/k/c/c.sh'), undefined, 'group root may write');
  t.equal(why('/a/b.sh'), 'directory /a is owned by uid 1000', 'a sticky directory of another user');
  t.equal(why('/etc/k/link-to-ww.sh'), '/etc/k/ww.sh is writable by others', 'the symlink\'s target is named');
});

t.test('who may execute it', async (t) => {
  const ok = (p: string, who: RunAs) => checkScript(p, who, fs).ok;
  t.ok(ok('/srv/x1.sh', ROOT), 'root: any x bit');
  t.notOk(ok('/etc/k/noexec.sh', ROOT));
  t.ok(ok('/srv/g.sh', { uid: 9, gid: 7 }), 'by group');
  t.notOk(ok('/srv/o.sh', { uid: 9, gid: 8 }), 'others: no x');
  t.match(checkScript('/srv', ROOT, fs), { ok: false, why: 'not-executable' }, 'a directory');
});

t.test('as another user: never "insecure", but it must be able to execute the script', async (t) => {
  t.match(checkScript('/etc/k/ww.sh', NOBODY, fs), { ok: true, insecure: false }, 'a 0777 script run as nobody is not refused');
  t.match(checkScript('/etc/k/owned.sh', NOBODY, fs), { ok: true, insecure: false });
  t.match(checkScript('/etc/k/private/p.sh', NOBODY, fs), { ok: false, why: 'not-executable' }, 'a 0700 directory on the way');
  t.match(checkScript('/etc/k/noexec.sh', NOBODY, fs), { ok: false, why: 'not-executable' });
});

t.test('bare names are looked up in PATH; keepalived\'s messages', async (t) => {
  const c = checkScript('true', ROOT, fs, ['/usr/local/bin', '/usr/bin']);
  t.match(c, { ok: true, path: '/usr/bin/true', searched: true });
  const n = checkScript('nonexistent-cmd', ROOT, fs, ['/usr/bin']);
  t.match(n, { ok: false, why: 'not-in-path' });
  t.equal(scriptCheckMessage(n, ROOT, true), 'Cannot find script nonexistent-cmd in path - disabling');
  t.equal(scriptCheckMessage(checkScript('/etc/k/ww.sh', ROOT, fs), ROOT, true), "Unsafe permissions found for script '/etc/k/ww.sh' - disabling.");
  t.equal(scriptCheckMessage(checkScript('/etc/k/ww.sh', ROOT, fs), ROOT, false), "Unsafe permissions found for script '/etc/k/ww.sh'.");
  t.equal(scriptCheckMessage(checkScript('/etc/k/noexec.sh', ROOT, fs), ROOT, false), "WARNING - script '/etc/k/noexec.sh' is not executable for uid:gid 0:0 - disabling.");
  t.equal(scriptCheckMessage(checkScript('/x/chk.sh', ROOT, fs), ROOT, true), 'Script /x/chk.sh cannot be accessed - No such file or directory');
  t.notOk(scriptRuns(checkScript('/etc/k/ww.sh', ROOT, fs), true), 'refused with enable_script_security');
  t.ok(scriptRuns(checkScript('/etc/k/ww.sh', ROOT, fs), false), 'run (and reported) without it');
});

const cmd = (text: string, user?: string, group?: string): ScriptCommand => ({
  argv: text.split(' '), text, where: { file: '/k.conf', line: 1 }, ...(user ? { user } : {}), ...(group ? { group } : {}),
});

function policy(global: { enableScriptSecurity: boolean; scriptUser?: string; scriptGroup?: string }, users?: Record<string, { uid: number; gid: number }>) {
  const lines: string[] = [];
  const host = { ...permissiveScriptHost(users), fs, searchPath: ['/usr/bin'] };
  return { p: new ScriptPolicy(global, host, { warn: (m) => lines.push(`warn ${m}`), info: (m) => lines.push(`info ${m}`) }), lines };
}

t.test('ScriptPolicy: who scripts run as', async (t) => {
  let { p, lines } = policy({ enableScriptSecurity: false });
  t.same(p.resolve(cmd('/etc/k/good.sh a'), 'notify'), { argv: ['/etc/k/good.sh', 'a'], uid: 0, gid: 0 }, 'no keepalived_script user: vipd itself');
  t.same(lines, ["info Script user 'keepalived_script' does not exist"]);
  t.same(p.resolve(cmd('/etc/k/good.sh', 'nobody'), 'notify'), { argv: ['/etc/k/good.sh'], uid: 65534, gid: 65534 }, 'notify_* ... user');
  t.equal(p.summary(), 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.');
  t.ok(p.resolve(cmd('/etc/k/ww.sh'), 'notify'), 'an insecure script runs without enable_script_security');
  t.equal(p.summary(), 'SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.');

  ({ p, lines } = policy({ enableScriptSecurity: false }, { root: { uid: 0, gid: 0 }, keepalived_script: { uid: 998, gid: 997 } }));
  t.match(p.resolve(cmd('/etc/k/good.sh'), 'notify'), { uid: 998, gid: 997 }, 'keepalived_script when it exists');
  t.same(lines, []);

  ({ p, lines } = policy({ enableScriptSecurity: true }));
  t.equal(p.resolve(cmd('/etc/k/good.sh'), 'notify'), undefined, 'enable_script_security without a usable default user: refused');
  t.equal(p.resolve(cmd('/etc/k/good.sh'), 'vrrp_script', { name: 'chk' }), undefined);
  t.same(lines, [
    "warn Script user 'keepalived_script' does not exist",
    'warn Unable to set default user keepalived_script for script',
    'warn Failed to set default user for notify script /etc/k/good.sh - ignoring',
    'warn Unable to set default user for vrrp script chk - removing',
  ]);
  t.match(p.resolve(cmd('/etc/k/good.sh', 'root'), 'notify'), { uid: 0 }, 'a script that names its user still runs');

  ({ p, lines } = policy({ enableScriptSecurity: true, scriptUser: 'root' }));
  t.equal(p.resolve(cmd('/etc/k/ww.sh'), 'vrrp_script', { name: 'chk_ww' }), undefined);
  t.same(lines, ["warn Unsafe permissions found for script '/etc/k/ww.sh' - disabling.", 'warn Disabling track script chk_ww due to insecure']);
  t.match(p.resolve(cmd('/etc/k/ww.sh'), 'vrrp_script', { name: 'chk_nobody', user: 'nobody' }), { uid: 65534 }, 'the same script as nobody runs');
  lines.length = 0;
  t.equal(p.resolve(cmd('/etc/k/good.sh', 'baduser'), 'notify'), undefined);
  t.match(lines[0], /does not exist: Invalid user\/group for notify script \/etc\/k\/good.sh - ignoring/);
  lines.length = 0;
  t.same(p.resolve(cmd('true x'), 'notify'), { argv: ['/usr/bin/true', 'x'], uid: 0, gid: 0 });
  t.same(lines, ['warn WARNING - script `true` resolved by path search to `/usr/bin/true`. Please specify full path.']);
  t.equal(p.summary(), undefined, 'enable_script_security: no SECURITY VIOLATION line');
  const c = cmd('/etc/k/ww.sh');
  lines.length = 0;
  p.resolve(c, 'notify');
  p.resolve(c, 'notify');
  t.equal(lines.length, 1, 'a script is checked (and logged) once per configuration');
});

/** Users root, nobody (and optionally keepalived_script) over the tree above; vipd runs as root. */
function host(opts: { scriptUser?: boolean } = {}): ScriptHost {
  const users: Record<string, RunAs> = { root: ROOT, nobody: NOBODY };
  if (opts.scriptUser) users.keepalived_script = { uid: 990, gid: 990 };
  return {
    lookupUser: (user, group) => {
      const u = users[user];
      if (!u) throw new UserLookupError(`script user "${user}" does not exist`);
      if (group === undefined) return u;
      const g = users[group];
      if (!g) throw new UserLookupError(`script group "${group}" does not exist`);
      return { uid: u.uid, gid: g.gid };
    },
    fs, searchPath: ['/usr/local/bin', '/usr/bin'], self: ROOT,
  };
}

const off = { enableScriptSecurity: false };
const on = { enableScriptSecurity: true };
const decide = (argv: string[], who: { user?: string; group?: string }, settings: { enableScriptSecurity: boolean; scriptUser?: string }, h = host()) =>
  new ScriptRules(settings, h).decide(argv, 'check', who);
const texts = (d: { notes: { text: string }[] }) => d.notes.map((n) => n.text);

t.test('ScriptRules: who runs it (every kind of script)', async (t) => {
  t.match(decide(['/usr/bin/check', 'a'], {}, off), { runs: true, argv: ['/usr/bin/check', 'a'], runAs: ROOT, asSelf: true }, 'no user anywhere: vipd\'s own (root)');
  t.match(decide(['/usr/bin/check'], {}, off, host({ scriptUser: true })), { runs: true, runAs: { uid: 990, gid: 990 }, asSelf: false, notes: [] }, 'keepalived_script when it exists');
  t.match(decide(['/usr/bin/check'], {}, { ...off, scriptUser: 'nobody' }, host({ scriptUser: true })), { runs: true, runAs: NOBODY }, 'script_user over keepalived_script');
  t.match(decide(['/usr/bin/check'], { user: 'root' }, { ...off, scriptUser: 'nobody' }), { runs: true, runAs: ROOT, asSelf: false }, 'the script\'s own user over script_user');
  t.match(decide(['/usr/bin/check'], { user: 'nobody', group: 'root' }, off), { runs: true, runAs: { uid: 65534, gid: 0 } });
  const ghost = decide(['/usr/bin/check'], { user: 'ghost' }, off);
  t.match(ghost, { runs: false, notes: [{ text: "Failed to set uid/gid for misc checker script '/usr/bin/check' - removing", detail: 'script user "ghost" does not exist' }] }, 'keepalived 2.2.7 -t');
  t.same(texts(decide(['/usr/bin/check'], {}, { ...off, scriptUser: 'ghost' })), ['Error setting global script uid/gid', "Unable to set default user for misc script '/usr/bin/check' - removing"],
    'keepalived 2.2.7 -t: a script_user that does not exist leaves scripts without a user (with or without enable_script_security)');
  t.same(texts(decide(['/usr/bin/check'], {}, on)), [
    "Script user 'keepalived_script' does not exist", 'Unable to set default user keepalived_script for script', "Unable to set default user for misc script '/usr/bin/check' - removing",
  ], 'keepalived 2.2.7 -t: enable_script_security without keepalived_script');
  t.match(decide(['/usr/bin/check'], { user: 'root' }, on), { runs: true }, 'with its own user it runs');
  const rules = new ScriptRules(on, host());
  t.equal(rules.decide(['/usr/bin/check'], 'check').notes.length, 3);
  t.same(texts(rules.decide(['/etc/k/good.sh'], 'check')), ["Unable to set default user for misc script '/etc/k/good.sh' - removing"], 'the default user is reported once');
});

t.test('ScriptRules: the program', async (t) => {
  t.match(decide(['true'], {}, off), { runs: true, argv: ['/usr/bin/true'], notes: [{ level: 'info' }, { text: 'WARNING - script `true` resolved by path search to `/usr/bin/true`. Please specify full path.' }] });
  t.match(decide(['/nonexistent/q.sh'], {}, off), { runs: false, notes: [{ level: 'info' }, { text: 'Script /nonexistent/q.sh cannot be accessed - No such file or directory' }] });
  t.match(decide(['/etc/k/noexec.sh'], { user: 'root' }, on), { runs: false, notes: [{ text: "WARNING - script '/etc/k/noexec.sh' is not executable for uid:gid 0:0 - disabling." }] });
  t.match(decide(['/tmp/d/y.sh'], { user: 'root' }, on), { runs: false, notes: [{ text: "Unsafe permissions found for script '/tmp/d/y.sh' - disabling.", detail: 'directory /tmp/d is writable by others' }] });
  t.match(decide(['/tmp/d/y.sh'], {}, off), { runs: true, insecure: true, notes: [{ level: 'info' }, { text: "Unsafe permissions found for script '/tmp/d/y.sh'." }] }, 'without enable_script_security: runs, reported');
  t.match(decide(['/tmp/d/y.sh'], { user: 'nobody' }, on), { runs: true, insecure: false, notes: [] }, 'not run as root: no path check');
  const rules = new ScriptRules({ ...off, scriptUser: 'root' }, host());
  rules.decide(['/usr/bin/check'], 'check');
  t.equal(rules.summary('check'), 'SECURITY VIOLATION - check scripts are being executed but script_security not enabled.');
  rules.decide(['/tmp/d/y.sh'], 'check');
  t.equal(rules.summary('check'), 'SECURITY VIOLATION - check scripts are being executed but script_security not enabled. There are insecure scripts.', 'keepalived 2.2.7 -t words');
});
