// The health probes VRRP tracking and IPVS checkers share, against real servers in a lab
// namespace: what a user configuring TCP_CHECK, HTTP_GET, SSL_GET or a URL vrrp_script sees as
// up or down, and the reason logged when it is down.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { createLan, runOk, type LabNode } from '../helpers/netns-lab.js';
import { jsonLines } from '../helpers/json-lines.js';
import { requireEnv } from '../helpers/require.js';

const SERVERS = 'dist/test/fixtures/health-servers.js';
const PROBE = 'dist/test/fixtures/health-probe.js';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

interface Row { name: string; kind: 'tcp' | 'http' | 'url'; options: unknown; timeoutMs?: number; ok: boolean; reason?: RegExp | string; thrown?: RegExp }

async function probeAll(n: LabNode, rows: Row[]): Promise<Array<{ result: { ok: boolean; reason?: string; thrown?: string }; ms: number }>> {
  const specs = rows.map((r) => ({ kind: r.kind, options: r.options, timeoutMs: r.timeoutMs ?? 2000 }));
  const out = await n.exec(['node', PROBE, JSON.stringify(specs)], { timeoutMs: 30_000 });
  if (out.code !== 0) throw new Error(`health-probe exited ${out.code}: ${out.stderr}`);
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number; result: { ok: boolean; reason?: string }; ms: number });
  return rows.map((_, i) => lines.find((l) => l.i === i)!);
}

t.test('TCP and HTTP(S) probes against real servers', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'openssl'] })) return;
  const lab = await createLan(t, ['p'], { ipv6: false });
  const n = lab.nodes[0]!;
  const ip = n.ipv4;
  const second = ip.replace(/\.\d+$/, '.50');
  const silent = ip.replace(/\.\d+$/, '.99'); // on the LAN, nobody answers
  await runOk(['ip', '-n', n.ns, 'address', 'add', `${second}/24`, 'dev', 'eth0']);
  const key = join(lab.dir, 'key.pem');
  const cert = join(lab.dir, 'cert.pem');
  await runOk(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-subj', '/CN=vipd-test', '-days', '2']);
  const servers = jsonLines(n.spawn(['node', SERVERS, ip, key, cert]));
  await servers.next((l) => l.ready === true, 10_000);

  const http = (path: string, more: Record<string, unknown> = {}) => ({ address: ip, port: 8080, path, ...more });
  const https = (path: string, more: Record<string, unknown> = {}) => ({ address: ip, port: 8443, tls: true, path, ...more });
  const rows: Row[] = [
    { name: 'TCP connect to a listener', kind: 'tcp', options: { address: ip, port: 9000 }, ok: true },
    { name: 'TCP connect to a closed port', kind: 'tcp', options: { address: ip, port: 9001 }, ok: false, reason: 'connect ECONNREFUSED' },
    { name: 'TCP connect nobody answers', kind: 'tcp', options: { address: silent, port: 9000 }, timeoutMs: 300, ok: false, reason: 'connect timeout after 300 ms' },
    { name: 'TCP from an address the host does not have', kind: 'tcp', options: { address: ip, port: 9000, bindAddress: '10.254.254.254' }, ok: false, reason: 'connect EADDRNOTAVAIL' },
    { name: 'HTTP 200', kind: 'http', options: http('/ok'), ok: true },
    { name: 'HTTP 500 is down by default', kind: 'http', options: http('/status/500'), ok: false, reason: 'status 500 (expected 200-299)' },
    { name: 'HTTP 503 within an accepted range', kind: 'http', options: http('/status/503', { statuses: [{ from: 500, to: 599 }] }), ok: true },
    { name: 'HTTP 404 in an accepted list', kind: 'http', options: http('/status/404', { statuses: [200, 404] }), ok: true },
    { name: 'HTTP 200 not in the accepted list', kind: 'http', options: http('/ok', { statuses: [204] }), ok: false, reason: 'status 200 (expected 204)' },
    { name: 'body digest matches', kind: 'http', options: http('/ok', { digest: md5('ok').toUpperCase() }), ok: true },
    { name: 'body digest differs', kind: 'http', options: http('/ok', { digest: md5('not ok') }), ok: false, reason: `digest ${md5('ok')} != ${md5('not ok')}` },
    { name: 'source address and port applied (bindto, bind_port)', kind: 'http', options: http('/peer', { bindAddress: second, bindPort: 40123, digest: md5(`${second} 40123`) }), ok: true },
    { name: 'Host is address:port by default', kind: 'http', options: http('/host', { digest: md5(`${ip}:8080`) }), ok: true },
    { name: 'virtualhost is the Host header', kind: 'http', options: http('/host', { virtualhost: 'api.example', digest: md5('api.example') }), ok: true },
    { name: 'no answer: timeout', kind: 'http', options: http('/hang'), timeoutMs: 300, ok: false, reason: 'timeout after 300 ms' },
    { name: 'a body that never ends: timeout', kind: 'http', options: http('/stall'), timeoutMs: 300, ok: false, reason: 'timeout after 300 ms' },
    { name: 'HTTP connect refused', kind: 'http', options: { address: ip, port: 8081, path: '/' }, ok: false, reason: 'connect ECONNREFUSED' },
    { name: 'HTTPS with a self-signed certificate is up', kind: 'http', options: https('/ok'), ok: true },
    { name: 'HTTPS sends virtualhost as the TLS server name', kind: 'http', options: https('/sni', { virtualhost: 'api.example', digest: md5('api.example') }), ok: true },
    { name: 'HTTPS to an address sends no server name', kind: 'http', options: https('/sni', { digest: md5('') }), ok: true },
    { name: 'HTTPS to the plain HTTP port fails', kind: 'http', options: { address: ip, port: 8080, tls: true, path: '/ok' }, ok: false, reason: /^connect / },
    { name: 'a URL vrrp_script: https', kind: 'url', options: `https://${ip}:8443/status/200`, ok: true },
    { name: 'a URL vrrp_script: http, failing', kind: 'url', options: `http://${ip}:8080/status/502`, ok: false, reason: /^status 502/ },
    { name: 'bind_if is applied (the addon\'s socket)', kind: 'tcp', options: { address: ip, port: 9000, bindInterface: 'eth0' }, ok: true },
    { name: 'a bad bind_if is refused when built', kind: 'tcp', options: { address: ip, port: 9000, bindInterface: 'a/b' }, ok: false, thrown: /bind_if 'a\/b' is not an interface name/ },
  ];
  const results = await probeAll(n, rows);
  for (const [i, row] of rows.entries()) {
    const r = results[i]!;
    t.equal(r.result.ok, row.ok, `${row.name}: ${row.ok ? 'up' : 'down'}`, { result: r.result });
    if (row.reason instanceof RegExp) t.match(r.result.reason, row.reason, `${row.name}: reason`);
    else if (row.reason !== undefined) t.equal(r.result.reason, row.reason, `${row.name}: reason`);
    if (row.thrown) t.match(r.result.thrown, row.thrown, `${row.name}: error`);
    // Every attempt ends near its deadline, whatever the server does.
    t.ok(r.ms < (row.timeoutMs ?? 2000) + 1000, `${row.name}: done in ${r.ms} ms`);
  }
});
