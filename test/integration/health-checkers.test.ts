// The LVS checkers as the IPVS manager runs them (runProbe), from one lab namespace against real
// servers in another (test/fixtures/checker-servers.ts): UDP_CHECK, DNS_CHECK, SMTP_CHECK,
// PING_CHECK, HTTP_GET with status lists, regex and URL steps, SSL_GET with the SSL {} client
// certificate and SNI, MISC_CHECK with misc_dynamic and a hanging script, FILE_CHECK with
// init_file; and bind_if / fwmark applied to the probe's socket, seen in what the kernel does
// with it (a route through another device, an `ip rule fwmark 7 prohibit`).
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { createLan, runOk } from '../helpers/netns-lab.js';
import { jsonLines } from '../helpers/json-lines.js';
import { requireEnv } from '../helpers/require.js';
import type { CheckConfig, ProbeContext } from '../../src/ipvs/checks/types.js';

const SERVERS = 'dist/test/fixtures/checker-servers.js';
const PROBE = 'dist/test/fixtures/health-probe.js';

interface Row { name: string; check: CheckConfig; port?: number; address?: string; context?: ProbeContext; ok: boolean; reason?: RegExp | string; weight?: unknown; pending?: boolean; maxMs?: number }

t.test('checkers against real servers, bind_if and fwmark on the probe socket', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'openssl'] })) return;
  const lab = await createLan(t, ['p', 's'], { ipv6: false });
  const [p, s] = lab.nodes as [typeof lab.nodes[0], typeof lab.nodes[0]];
  const net = s.ipv4.replace(/\.\d+$/, '');
  const at = (n: number) => `${net}.${n}`;
  for (const n of [41, 42, 43]) await runOk(['ip', '-n', s.ns, 'address', 'add', `${at(n)}/24`, 'dev', 'eth0']);
  const certs = join(lab.dir, 'certs');
  await runOk(['mkdir', '-p', certs]);
  const req = (key: string, cert: string, cn: string, pass?: string) => runOk(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    ...(pass ? ['-passout', `pass:${pass}`] : ['-nodes']), '-keyout', join(certs, key), '-out', join(certs, cert), '-subj', `/CN=${cn}`, '-days', '2']);
  await req('key.pem', 'cert.pem', 'vipd-server');
  await req('ckey.pem', 'ccert.pem', 'vipd-client', 'secret');
  const servers = jsonLines(s.spawn(['node', SERVERS, at(41), at(42), at(43)], { env: { CERT_DIR: certs } }));
  await servers.next((l) => l.ready === true, 15_000);
  // fwmark 7 may not leave p; lo is no way to the servers.
  await runOk(['ip', '-n', p.ns, 'rule', 'add', 'fwmark', '7', 'prohibit']);
  const file = join(lab.dir, 'weight');
  writeFileSync(file, '3\n');
  const fresh = join(lab.dir, 'fresh');

  const quick = { connectTimeoutMs: 1500, retry: 0 };
  const httpUrl = (path: string, more: object = {}) => ({ type: 'HTTP_GET' as const, ...quick, urls: [{ path, ...more }] });
  const ssl = (path: string, more: object = {}) => ({ type: 'SSL_GET' as const, ...quick, urls: [{ path, ...more }] });
  const tls = { certificate: join(certs, 'ccert.pem'), key: join(certs, 'ckey.pem'), password: 'secret' };
  const rows: Row[] = [
    { name: 'UDP_CHECK: the echo matches require_reply', check: { type: 'UDP_CHECK', ...quick, payload: 'ab120f', requireReply: 'ab 1x' }, address: at(41), port: 5000, ok: true },
    { name: 'UDP_CHECK: require_reply differs', check: { type: 'UDP_CHECK', ...quick, payload: 'ab120f', requireReply: 'ac' }, address: at(41), port: 5000, ok: false, reason: /^reply ab120f does not match ac/ },
    { name: 'UDP_CHECK: the reply is longer than max_reply_length', check: { type: 'UDP_CHECK', ...quick, payload: 'ab120f', requireReply: true, maxReplyLength: 2 }, address: at(41), port: 5000, ok: false, reason: 'reply of 3 bytes (expected 0-2)' },
    { name: 'UDP_CHECK: a closed port answers port unreachable', check: { type: 'UDP_CHECK', ...quick }, address: at(42), port: 5001, ok: false, reason: 'ECONNREFUSED (port unreachable)' },
    { name: 'UDP_CHECK: silence without require_reply passes at the timeout', check: { type: 'UDP_CHECK', ...quick }, address: at(41), port: 5002, ok: true },
    { name: 'UDP_CHECK: silence with require_reply fails', check: { type: 'UDP_CHECK', ...quick, requireReply: true }, address: at(41), port: 5002, ok: false, reason: 'no reply: timeout after 1500 ms' },
    { name: 'DNS_CHECK: SOA of . answered', check: { type: 'DNS_CHECK', ...quick }, address: at(41), port: 53, ok: true },
    { name: 'DNS_CHECK: NXDOMAIN', check: { type: 'DNS_CHECK', ...quick, queryType: 'A', name: 'example.com' }, address: at(42), port: 53, ok: false, reason: 'rcode 3 (NXDOMAIN)' },
    { name: 'DNS_CHECK: a reply with another id is not one', check: { type: 'DNS_CHECK', ...quick }, address: at(43), port: 53, ok: false, reason: 'no reply: timeout after 1500 ms' },
    { name: 'DNS_CHECK: a name with a label over 63 bytes fails every check (keepalived sends a query no server parses)', check: { type: 'DNS_CHECK', ...quick, queryType: 'A', name: `${'x'.repeat(64)}.com` }, address: at(41), port: 53, ok: false, reason: /^the query cannot be sent: .*longer than 63 bytes/ },
    { name: 'DNS_CHECK: nobody on the port', check: { type: 'DNS_CHECK', ...quick }, address: at(41), port: 54, ok: false, reason: 'ECONNREFUSED (port unreachable)' },
    { name: 'SMTP_CHECK: 220, HELO, 250', check: { type: 'SMTP_CHECK', ...quick, heloName: 'checker.example' }, address: at(41), port: 25, ok: true },
    { name: 'SMTP_CHECK: a 554 greeting', check: { type: 'SMTP_CHECK', ...quick }, address: at(42), port: 25, ok: false, reason: 'greeting 554 no service here (expected 220)' },
    { name: 'SMTP_CHECK: refused', check: { type: 'SMTP_CHECK', ...quick }, address: at(41), port: 26, ok: false, reason: 'connect ECONNREFUSED' },
    { name: 'PING_CHECK: an echo reply', check: { type: 'PING_CHECK', ...quick }, address: at(41), port: 0, ok: true },
    { name: 'PING_CHECK: nobody has the address', check: { type: 'PING_CHECK', ...quick }, address: at(99), port: 0, ok: false, reason: 'no echo reply: timeout after 1500 ms' },
    { name: 'HTTP_GET: 404 in a status list', check: httpUrl('/', { statuses: [200, 404] }), address: at(41), port: 80, ok: true },
    { name: 'HTTP_GET: 503 in a range list', check: httpUrl('/', { statuses: [{ from: 200, to: 299 }, { from: 400, to: 499 }, 503] }), address: at(42), port: 80, ok: true },
    { name: 'HTTP_GET: 503 out of the ranges', check: httpUrl('/', { statuses: [{ from: 500, to: 502 }] }), address: at(42), port: 80, ok: false, reason: '/: status 503 (expected 500-502)' },
    { name: 'HTTP_GET: regex on the response', check: httpUrl('/', { regex: { pattern: '^HTTP/1\\.1 200.*\\r\\n\\r\\nhello', options: ['dotall'] } }), address: at(43), port: 80, ok: true },
    { name: 'HTTP_GET: regex_no_match', check: httpUrl('/', { regex: { pattern: 'hello', noMatch: true } }), address: at(43), port: 80, ok: false, reason: '/: the response matches regex (regex_no_match)' },
    { name: 'HTTP_GET: keepalived\'s request (HTTP/1.0, KeepAliveClient, Host address:port)', check: httpUrl('/', {}), address: at(43), port: 80, ok: true },
    {
      name: 'HTTP_GET recovering: one URL per attempt, pending until the last',
      check: { type: 'HTTP_GET', ...quick, urls: [{ path: '/1' }, { path: '/2' }] }, address: at(43), port: 80, context: { up: false, step: 0 }, ok: true, pending: true,
    },
    { name: 'HTTP_GET recovering: the last URL', check: { type: 'HTTP_GET', ...quick, urls: [{ path: '/1' }, { path: '/2' }] }, address: at(43), port: 80, context: { up: false, step: 1 }, ok: true },
    { name: 'HTTP_GET fast_recovery: all at once', check: { type: 'HTTP_GET', ...quick, fastRecovery: true, urls: [{ path: '/1' }, { path: '/2' }] }, address: at(43), port: 80, context: { up: false, step: 0 }, ok: true },
    { name: 'HTTP_GET: a URL that never answers', check: httpUrl('/hang'), address: at(43), port: 80, ok: false, reason: '/hang: timeout after 1500 ms', maxMs: 2500 },
    { name: 'SSL_GET presents the SSL {} client certificate', check: { ...ssl('/client', { regex: { pattern: 'vipd-client$' } }), tls }, address: at(43), port: 443, ok: true },
    { name: 'SSL_GET without SSL {}: no client certificate', check: ssl('/client', { regex: { pattern: '\\r\\n\\r\\nnone$' } }), address: at(43), port: 443, ok: true },
    { name: 'SSL_GET enable_sni sends the virtualhost', check: { ...ssl('/sni', { regex: { pattern: 'api\\.example$' } }), virtualhost: 'api.example', enableSni: true }, address: at(43), port: 443, ok: true },
    { name: 'SSL_GET without enable_sni sends no name', check: { ...ssl('/sni', { regex: { pattern: 'none$' } }), virtualhost: 'api.example' }, address: at(43), port: 443, ok: true },
    { name: 'SSL_GET with an unreadable key file', check: { ...ssl('/'), tls: { certificate: join(certs, 'ccert.pem'), key: '/nonexistent.pem' } }, address: at(43), port: 443, ok: false, reason: /^\/: SSL key \/nonexistent.pem: ENOENT/ },
    { name: 'MISC_CHECK misc_dynamic exit 9: weight 7', check: { type: 'MISC_CHECK', argv: ['/bin/sh', '-c', 'exit 9'], dynamic: true }, ok: true, weight: { set: 7 } },
    { name: 'MISC_CHECK exit 1', check: { type: 'MISC_CHECK', argv: ['/bin/sh', '-c', 'exit 1'], dynamic: true }, ok: false, reason: 'exit 1' },
    { name: 'MISC_CHECK a hanging script is killed at misc_timeout', check: { type: 'MISC_CHECK', argv: ['/bin/sleep', '600'], timeoutMs: 500 }, ok: false, reason: /killed by SIGTERM after a 500 ms timeout/, maxMs: 2500 },
    { name: 'FILE_CHECK: value x weight', check: { type: 'FILE_CHECK', path: file, weight: 2 }, ok: true, weight: { add: 6 } },
    { name: 'FILE_CHECK: init_file creates the file', check: { type: 'FILE_CHECK', path: fresh, weight: 1, init: { value: 5, overwrite: false } }, ok: true, weight: { add: 5 } },
    { name: 'bind_if eth0 reaches the server', check: { type: 'TCP_CHECK', ...quick, bindIf: 'eth0' }, address: at(41), port: 80, ok: true },
    { name: 'bind_if lo does not (the socket is bound to lo)', check: { type: 'TCP_CHECK', ...quick, bindIf: 'lo' }, address: at(41), port: 80, ok: false, reason: /^connect (ENETUNREACH|EHOSTUNREACH|timeout)/ },
    { name: 'HTTP_GET with bind_if eth0 and bindto', check: { ...httpUrl('/', { statuses: [404] }), bindIf: 'eth0', bindTo: p.ipv4 }, address: at(41), port: 80, ok: true },
    { name: 'fwmark 7 is prohibited: TCP_CHECK', check: { type: 'TCP_CHECK', ...quick, fwmark: 7 }, address: at(41), port: 80, ok: false, reason: /^connect E/ },
    { name: 'fwmark 8 passes: TCP_CHECK', check: { type: 'TCP_CHECK', ...quick, fwmark: 8 }, address: at(41), port: 80, ok: true },
    { name: 'fwmark 7: SSL_GET', check: { ...ssl('/'), fwmark: 7 }, address: at(43), port: 443, ok: false, reason: /^\/: connect E/ },
    { name: 'fwmark 7: UDP_CHECK', check: { type: 'UDP_CHECK', ...quick, fwmark: 7 }, address: at(41), port: 5000, ok: false, reason: /^E/ },
    { name: 'fwmark 7: DNS_CHECK', check: { type: 'DNS_CHECK', ...quick, fwmark: 7 }, address: at(41), port: 53, ok: false, reason: /^E/ },
    { name: 'fwmark 7: PING_CHECK', check: { type: 'PING_CHECK', ...quick, fwmark: 7 }, address: at(41), port: 0, ok: false, reason: /^E/ },
    { name: 'fwmark 8: PING_CHECK', check: { type: 'PING_CHECK', ...quick, fwmark: 8 }, address: at(41), port: 0, ok: true },
    { name: 'fwmark 7: SMTP_CHECK', check: { type: 'SMTP_CHECK', ...quick, fwmark: 7 }, address: at(41), port: 25, ok: false, reason: /^connect E/ },
  ];
  const specs = rows.map((r) => ({ kind: 'checker', check: r.check, target: { address: r.address ?? at(41), port: r.port ?? 80 }, ...(r.context ? { context: r.context } : {}) }));
  const res = await p.exec(['node', PROBE, JSON.stringify(specs)], { timeoutMs: 60_000 });
  t.equal(res.code, 0, 'the probe fixture ran', { stderr: res.stderr });
  const lines = res.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number; result: { ok: boolean; reason?: string; weight?: unknown; pending?: boolean }; ms: number });
  for (const [i, row] of rows.entries()) {
    const r = lines.find((l) => l.i === i);
    if (!r) {
      t.fail(`${row.name}: no result`);
      continue;
    }
    t.equal(r.result.ok, row.ok, `${row.name}: ${row.ok ? 'up' : 'down'}`, { result: r.result });
    if (row.reason instanceof RegExp) t.match(r.result.reason, row.reason, `${row.name}: reason`);
    else if (row.reason !== undefined) t.equal(r.result.reason, row.reason, `${row.name}: reason`);
    if (row.weight !== undefined) t.same(r.result.weight, row.weight, `${row.name}: weight`);
    t.equal(r.result.pending ?? false, row.pending ?? false, `${row.name}: pending`);
    if (row.maxMs !== undefined) t.ok(r.ms < row.maxMs, `${row.name}: done in ${r.ms} ms`);
  }
  t.equal(readFileSync(fresh, 'utf8'), '5\n', 'init_file wrote the value');
  // What the servers saw (they log each request on stderr).
  const logged = servers.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const seen = logged.filter((l) => l.http === at(43) && l.request === 'GET / HTTP/1.0') as Array<{ headers: string[] }>;
  t.ok(seen.some((l) => JSON.stringify(l.headers) === JSON.stringify(['User-Agent', 'KeepAliveClient', 'Host', `${at(43)}:80`])), 'HTTP/1.0, User-Agent KeepAliveClient, Host address:port, as keepalived sends it', { seen });
  t.ok(logged.some((l) => l.smtp === at(41) && l.line === 'HELO checker.example'), 'HELO helo_name');
});
