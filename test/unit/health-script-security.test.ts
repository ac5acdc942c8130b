// The checks keepalived makes before running a script, over an injected file system; each case is
// one keepalived 2.2.7 was seen to make the same call on (observed in a lab: a 0777 script, a
// script in a 0777 directory, one owned by nobody, in a sticky 1777 directory, group-writable by
// root's group, through a symlink, not executable, missing, a bare name in PATH; and the same
// 0777 script run as nobody, which is not refused). Then ScriptPolicy: default user, messages.
import t from 'tap';
import { checkScript, scriptCheckMessage, scriptRuns, type PathStat, type ScriptFs } from '../../src/health/script-security.js';
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
