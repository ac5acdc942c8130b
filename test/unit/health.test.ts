// The decisions of the health module, without sockets or children: what a URL, a checker or a
// track script turns into, which statuses pass, who a script runs as, the deadline discipline.
import { stat } from 'node:fs';
import t from 'tap';
import {
  checkEndpoint, deadlineProbe, describeCommandResult, describeStatuses, hostHeader, httpOptionsFromUrl, parseGroup,
  parsePasswd, parseProcStat, ProbeOptionError, resolveRunAs, statusMatches, UserLookupError, type CommandResult,
} from '../../src/health/index.js';
import { checkerProbeSpecs } from '../../src/ipvs/checks/probes.js';
import { trackScriptSpec } from '../../src/vrrp/track/probes.js';

t.test('URLs to HTTP probe options', async (t) => {
  t.same(httpOptionsFromUrl('https://127.0.0.1:6443/readyz?verbose'), { address: '127.0.0.1', port: 6443, tls: true, path: '/readyz?verbose' });
  t.same(httpOptionsFromUrl('http://[fd00::1]/'), { address: 'fd00::1', port: 80, tls: false, path: '/' });
  t.same(httpOptionsFromUrl('https://localhost:8443/x', [200, 401]), { address: 'localhost', port: 8443, tls: true, path: '/x', virtualhost: 'localhost:8443', statuses: [200, 401] },
    'a name is sent as Host and TLS server name');
  t.throws(() => httpOptionsFromUrl('ftp://10.0.0.1/'), ProbeOptionError);
  t.throws(() => httpOptionsFromUrl('not a url'), /not a URL/);
});

t.test('accepted statuses', async (t) => {
  const rows: Array<[number, Parameters<typeof statusMatches>[1], boolean]> = [
    [200, undefined, true], [299, undefined, true], [301, undefined, false], [500, undefined, false],
    [404, [200, 404], true], [201, [200], false], [503, [{ from: 500, to: 599 }], true], [499, [{ from: 500, to: 599 }, 200], false],
  ];
  for (const [code, accepted, want] of rows) t.equal(statusMatches(code, accepted), want, `${code} in ${describeStatuses(accepted)}`);
  t.equal(describeStatuses([200, { from: 300, to: 302 }]), '200, 300-302');
});

t.test('Host header', async (t) => {
  t.equal(hostHeader('10.0.0.1', 80, 80), '10.0.0.1');
  t.equal(hostHeader('10.0.0.1', 8080, 80), '10.0.0.1:8080');
  t.equal(hostHeader('fd00::1', 443, 443), '[fd00::1]');
  t.equal(hostHeader('fd00::1', 6443, 443), '[fd00::1]:6443');
});

t.test('endpoint options a socket cannot apply are refused when the probe is built', async (t) => {
  t.doesNotThrow(() => checkEndpoint('TCP probe', { address: '10.0.0.1', port: 80, bindAddress: '10.0.0.2', bindPort: 0 }));
  t.doesNotThrow(() => checkEndpoint('TCP probe', { address: '10.0.0.1', port: 80, bindInterface: 'eth1', fwmark: 7 }), 'bind_if and fwmark go through the addon');
  t.throws(() => checkEndpoint('TCP probe', { address: '10.0.0.1', port: 80, bindInterface: 'a/b' }),
    { code: 'VIPD_ERR_PROBE_OPTION', message: "TCP probe: bind_if 'a/b' is not an interface name" });
  t.throws(() => checkEndpoint('TCP probe', { address: '10.0.0.1', port: 80, fwmark: -1 }), /fwmark -1 is not 0-4294967295/);
  t.doesNotThrow(() => checkEndpoint('PING probe', { address: '10.0.0.1', port: 0 }, true), 'ICMP has no port');
  t.throws(() => checkEndpoint('HTTP probe', { address: '10.0.0.1', port: 0 }), /port 0 is not 1-65535/);
  t.throws(() => checkEndpoint('HTTP probe', { address: '10.0.0.1', port: 80, bindPort: 70000 }), /bind_port 70000/);
  t.throws(() => checkEndpoint('HTTP probe', { address: '10.0.0.1', port: 80, bindAddress: 'eth0' }), /bindto eth0 is not an IP address/);
});

t.test('IPVS checkers to probe specs', async (t) => {
  const rs = { address: '10.0.0.11', port: 6443 };
  t.same(checkerProbeSpecs({ type: 'TCP_CHECK', connectPort: 6444 }, rs), [{ spec: { kind: 'tcp', options: { address: '10.0.0.11', port: 6444 } }, timeoutMs: 5000 }]);
  const http = { serverName: false, httpProtocol: '1.0', userAgent: 'KeepAliveClient' };
  t.same(checkerProbeSpecs({
    type: 'SSL_GET', connectIp: '10.0.0.12', virtualhost: 'api', urls: [{ path: '/readyz', statusCode: 200 }, { path: '/x', digest: 'ab' }],
  }, rs), [
    { label: '/readyz', spec: { kind: 'http', options: { address: '10.0.0.12', port: 6443, tls: true, path: '/readyz', virtualhost: 'api', ...http, statuses: [200] } }, timeoutMs: 5000 },
    { label: '/x', spec: { kind: 'http', options: { address: '10.0.0.12', port: 6443, tls: true, path: '/x', virtualhost: 'api', ...http, digest: 'ab' } }, timeoutMs: 5000 },
  ]);
});

t.test('vrrp_script: a URL or tcp:// is a built-in probe, anything else a program', async (t) => {
  t.same(trackScriptSpec(['https://127.0.0.1:6443/readyz']), { kind: 'http', options: { address: '127.0.0.1', port: 6443, tls: true, path: '/readyz' } });
  t.same(trackScriptSpec(['tcp://[fd00::1]:6443']), { kind: 'tcp', options: { address: 'fd00::1', port: 6443 } });
  t.same(trackScriptSpec(['tcp://10.0.0.1:22']), { kind: 'tcp', options: { address: '10.0.0.1', port: 22 } });
  t.same(trackScriptSpec(['/usr/bin/check', 'tcp://10.0.0.1:22'], { uid: 1, gid: 2 }), { kind: 'script', options: { argv: ['/usr/bin/check', 'tcp://10.0.0.1:22'], uid: 1, gid: 2 } });
  t.same(trackScriptSpec(['tcp://10.0.0.1']), { kind: 'script', options: { argv: ['tcp://10.0.0.1'] } }, 'tcp:// without a port is not a probe');
});

const PASSWD = `root:x:0:0:root:/root:/bin/bash
# a comment
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
keepalived_script:x:998:997::/home/ks:/bin/false
+nis
broken:x:notanumber:1::/:/bin/sh
`;
const GROUP = `root:x:0:
nogroup:x:65534:
script:x:997:keepalived_script
`;

t.test('user [group] to ids', async (t) => {
  const db = { users: parsePasswd(PASSWD), groups: parseGroup(GROUP) };
  t.same(db.users.map((u) => u.name), ['root', 'nobody', 'keepalived_script'], 'bad and NIS lines skipped');
  t.same(resolveRunAs('nobody', undefined, db), { uid: 65534, gid: 65534 }, 'no group: the user\'s primary group');
  t.same(resolveRunAs('keepalived_script', 'nogroup', db), { uid: 998, gid: 65534 });
  t.same(resolveRunAs('998', '0', db), { uid: 998, gid: 0 }, 'numeric ids when no name matches');
  t.throws(() => resolveRunAs('alice', undefined, db), new UserLookupError('script user "alice" does not exist'));
  t.throws(() => resolveRunAs('nobody', 'wheel', db), { code: 'VIPD_ERR_USER', message: 'script group "wheel" does not exist' });
});

t.test('/proc/<pid>/stat', async (t) => {
  t.same(parseProcStat('4242 (sleep) S 4241 4241 4241 0 -1 4194304 98 0'), { pid: 4242, comm: 'sleep', state: 'S', ppid: 4241, pgrp: 4241 });
  t.same(parseProcStat('7 (a (b) c) Z 1 7 7 0'), { pid: 7, comm: 'a (b) c', state: 'Z', ppid: 1, pgrp: 7 }, 'parentheses in the name');
  t.equal(parseProcStat('garbage'), undefined);
});

t.test('command results in words', async (t) => {
  const base: CommandResult = { argv: ['x'], code: 0, signal: null, timedOut: false, aborted: false, killed: false, durationMs: 1 };
  t.equal(describeCommandResult(base), 'exit 0');
  t.equal(describeCommandResult({ ...base, code: null, signal: 'SIGKILL', timedOut: true, killed: true }, 5000), 'killed by SIGKILL after a 5000 ms timeout');
  t.equal(describeCommandResult({ ...base, code: null, error: 'spawn x ENOENT' }), 'spawn x ENOENT');
  t.equal(describeCommandResult({ ...base, code: null, signal: 'SIGTERM', aborted: true }), 'killed by SIGTERM (aborted)');
});

t.test('deadline discipline', async (t) => {
  // An attempt that honours its signal: the deadline fails it with the timeout as reason.
  const honours = deadlineProbe((signal) => new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve({ ok: false, reason: `stopped: ${(signal.reason as Error).message}` }));
  }));
  t.same(await honours(20), { ok: false, reason: 'stopped: timeout after 20 ms' });
  const ac = new AbortController();
  const pending = honours(10_000, ac.signal);
  ac.abort(new Error('shutting down'));
  t.same(await pending, { ok: false, reason: 'stopped: shutting down' }, 'the caller\'s abort reaches the attempt');
  ac.abort();
  t.same(await honours(10_000, ac.signal), { ok: false, reason: 'aborted: shutting down' }, 'already aborted: not attempted');
  // A rejecting attempt is a failure, never a rejection.
  t.same(await deadlineProbe(async () => { throw new Error('boom'); })(100), { ok: false, reason: 'boom' });
  // The signal fires after a success too, so an attempt can release what it still holds.
  let released = false;
  await deadlineProbe(async (signal) => { signal.addEventListener('abort', () => { released = true; }); return { ok: true }; })(1000);
  t.ok(released, 'released after success');
  // A result that completed while the event loop was busy past the deadline (30,000 checkers
  // due together) is a success, not a timeout: the I/O of that turn is handled before the deadline.
  const late = deadlineProbe((signal) => new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve({ ok: false, reason: 'timed out' }));
    stat('/', () => resolve({ ok: true }));
  }));
  // Started late in a turn (a setImmediate), so the deadline and the completion are both ready when the next turn begins.
  const busy = new Promise<unknown>((resolve) => setImmediate(() => {
    resolve(late(20));
    for (const end = Date.now() + 100; Date.now() < end;) { /* the loop is busy */ }
  }));
  t.same(await busy, { ok: true }, 'done while the loop was busy: a success');
});
