// Script security and who a script runs as, decided at load like keepalived 2.2.7 (observed in
// UML): a root-run script in a sticky /tmp is fine; in a 0777 directory, owned by nobody, or
// group-writable by a non-root group it is unsafe; not executable is never run; without
// script_user and keepalived_script, enable_script_security refuses scripts that name no user.
import t from 'tap';
import { executableBy, unsafeReason, UserLookupError, type FileFacts, type RunAs, type ScriptFile } from '../../src/health/index.js';
import { planScript, type ScriptHost } from '../../src/health/script-plan.js';

const dir = (path: string, mode: number, uid = 0, gid = 0): FileFacts => ({ path, uid, gid, mode, directory: true });
const file = (path: string, mode: number, uid = 0, gid = 0): FileFacts => ({ path, uid, gid, mode, directory: false });
const ROOT = dir('/', 0o755);

t.test('unsafe paths for a root-run script', async (t) => {
  t.equal(unsafeReason([file('/tmp/x.sh', 0o755), dir('/tmp', 0o1777), ROOT]), undefined, 'sticky /tmp: safe (keepalived ran it)');
  t.equal(unsafeReason([file('/tmp/d/y.sh', 0o755), dir('/tmp/d', 0o777), dir('/tmp', 0o1777), ROOT]), 'directory /tmp/d is writable by others');
  t.equal(unsafeReason([file('/tmp/e/z.sh', 0o755, 65534, 65534), dir('/tmp/e', 0o755), ROOT]), '/tmp/e/z.sh is owned by uid 65534');
  t.equal(unsafeReason([file('/tmp/e/f.sh', 0o775, 0, 65534), dir('/tmp/e', 0o755), ROOT]), '/tmp/e/f.sh is writable by group 65534');
  t.equal(unsafeReason([file('/etc/k/c.sh', 0o775, 0, 0), dir('/etc/k', 0o775), ROOT]), undefined, 'group root may write');
  t.equal(unsafeReason([file('/a/b.sh', 0o755), dir('/a', 0o1777, 1000), ROOT]), 'directory /a is owned by uid 1000', 'a sticky directory of another user');
  t.ok(executableBy(file('/x', 0o100), 0, 0), 'root: any x bit');
  t.notOk(executableBy(file('/x', 0o644), 0, 0));
  t.ok(executableBy(file('/x', 0o750, 5, 7), 9, 7), 'by group');
  t.notOk(executableBy(file('/x', 0o754, 5, 7), 9, 8), 'others: no x');
  t.notOk(executableBy(dir('/x', 0o755), 0, 0), 'a directory');
});

/** A host with users root, nobody (and optionally keepalived_script) and a few files. */
function host(opts: { scriptUser?: boolean; files?: Record<string, ScriptFile> } = {}): ScriptHost {
  const users: Record<string, RunAs> = { root: { uid: 0, gid: 0 }, nobody: { uid: 65534, gid: 65534 } };
  if (opts.scriptUser) users.keepalived_script = { uid: 990, gid: 990 };
  const files: Record<string, ScriptFile> = {
    '/usr/bin/check': { kind: 'found', path: '/usr/bin/check', viaPath: false, chain: [file('/usr/bin/check', 0o755), dir('/usr/bin', 0o755), dir('/usr', 0o755), ROOT] },
    true: { kind: 'found', path: '/usr/bin/true', viaPath: true, chain: [file('/usr/bin/true', 0o755), dir('/usr/bin', 0o755), ROOT] },
    '/tmp/d/y.sh': { kind: 'found', path: '/tmp/d/y.sh', viaPath: false, chain: [file('/tmp/d/y.sh', 0o755), dir('/tmp/d', 0o777), dir('/tmp', 0o1777), ROOT] },
    '/srv/noexec.sh': { kind: 'found', path: '/srv/noexec.sh', viaPath: false, chain: [file('/srv/noexec.sh', 0o644), dir('/srv', 0o755), ROOT] },
    ...opts.files,
  };
  return {
    runAs: (user, group) => {
      const u = users[user];
      if (!u) throw new UserLookupError(`script user "${user}" does not exist`);
      if (group === undefined) return u;
      const g = users[group];
      if (!g) throw new UserLookupError(`script group "${group}" does not exist`);
      return { uid: u.uid, gid: g.gid };
    },
    inspect: (p) => files[p] ?? { kind: 'missing', reason: `${p}: ENOENT` },
    self: { uid: 0, gid: 0 },
  };
}

const off = { enableScriptSecurity: false };
const on = { enableScriptSecurity: true };

t.test('who runs it', async (t) => {
  t.same(planScript(['/usr/bin/check', 'a'], {}, off, host()), { kind: 'run', argv: ['/usr/bin/check', 'a'], warnings: [] }, 'no user anywhere: vipd\'s own (root)');
  t.same(planScript(['/usr/bin/check'], {}, off, host({ scriptUser: true })), { kind: 'run', argv: ['/usr/bin/check'], runAs: { uid: 990, gid: 990 }, warnings: [] }, 'keepalived_script when it exists');
  t.same(planScript(['/usr/bin/check'], {}, { ...off, scriptUser: 'nobody' }, host({ scriptUser: true })), { kind: 'run', argv: ['/usr/bin/check'], runAs: { uid: 65534, gid: 65534 }, warnings: [] }, 'script_user over keepalived_script');
  t.same(planScript(['/usr/bin/check'], { user: 'root' }, { ...off, scriptUser: 'nobody' }, host()), { kind: 'run', argv: ['/usr/bin/check'], runAs: { uid: 0, gid: 0 }, warnings: [] }, 'the script\'s own user over script_user');
  t.same(planScript(['/usr/bin/check'], { user: 'nobody', group: 'root' }, off, host()), { kind: 'run', argv: ['/usr/bin/check'], runAs: { uid: 65534, gid: 0 }, warnings: [] });
  t.match(planScript(['/usr/bin/check'], { user: 'ghost' }, off, host()), { kind: 'disabled', reason: 'user: script user "ghost" does not exist' });
  t.match(planScript(['/usr/bin/check'], {}, { ...off, scriptUser: 'ghost' }, host()), { kind: 'disabled', reason: /^script_user: / });
  t.match(planScript(['/usr/bin/check'], {}, on, host()), { kind: 'disabled', reason: /keepalived_script does not exist/ }, 'keepalived 2.2.7: "Unable to set default user ... - removing"');
  t.match(planScript(['/usr/bin/check'], { user: 'root' }, on, host()), { kind: 'run' }, 'with its own user it runs');
});

t.test('the program', async (t) => {
  t.same(planScript(['true'], {}, off, host()), { kind: 'run', argv: ['/usr/bin/true'], warnings: ["'true' is /usr/bin/true by PATH search: give the full path"] });
  t.match(planScript(['/nonexistent/q.sh'], {}, off, host()), { kind: 'disabled', reason: '/nonexistent/q.sh: ENOENT' });
  t.match(planScript(['/srv/noexec.sh'], { user: 'root' }, on, host()), { kind: 'disabled', reason: '/srv/noexec.sh is not executable by uid 0 gid 0' });
  t.match(planScript(['/tmp/d/y.sh'], { user: 'root' }, on, host()), { kind: 'disabled', reason: 'unsafe for root: directory /tmp/d is writable by others' });
  t.match(planScript(['/tmp/d/y.sh'], {}, off, host()), { kind: 'run', warnings: [/runs as root although directory \/tmp\/d is writable by others/] }, 'without enable_script_security: runs, with a warning');
  t.match(planScript(['/tmp/d/y.sh'], { user: 'nobody' }, on, host()), { kind: 'run', warnings: [] }, 'not run as root: no path check');
});
