// The userspace proxy's sockets (src/proxy/tcp-proxy.ts) on loopback in a network namespace of
// this test's own: connections spread round robin or to the least loaded, a backend that refuses
// is skipped without the client noticing, an unhealthy one gets nothing, a half-closed client
// still gets its answer, and the listener takes IPv4 and IPv6. And the redirect rules
// (redirect-rules.ts) applied with nft: VIP:6443 of either family reaches the proxy.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { PROXY_REDIRECT_TABLE, redirectRuleset, TcpProxy } from '../../src/proxy/index.js';
import { NftTables } from '../../src/netif/nftables.js';
import { inOwnNetns } from '../helpers/own-netns.js';
import { requireEnv } from '../helpers/require.js';

/** A backend answering every connection with its name (after the client's request, if any). */
async function backend(name: string, port: number, opts: { waitForEnd?: boolean } = {}): Promise<{ server: Server; conns: Set<Socket> }> {
  const conns = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => undefined);
    if (!opts.waitForEnd) return s.end(`${name}\n`);
    let got = '';
    s.on('data', (d) => { got += d.toString(); });
    s.on('end', () => s.end(`${name} got ${got}\n`));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, conns };
}

/** Connects, optionally sends `send` and half-closes, and resolves with everything read. */
function ask(port: number, opts: { host?: string; send?: string; hold?: boolean } = {}): Promise<string> & { socket?: Socket } {
  let socket: Socket | undefined;
  const p = new Promise<string>((resolve, reject) => {
    socket = connect(port, opts.host ?? '127.0.0.1');
    let out = '';
    socket.on('data', (d) => { out += d.toString(); });
    socket.on('error', reject);
    socket.on('close', () => resolve(out.trim()));
    if (opts.send !== undefined) socket.end(opts.send);
  }) as Promise<string> & { socket?: Socket };
  p.socket = socket;
  return p;
}

if (inOwnNetns(t, new URL(import.meta.url).pathname)) {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);

  t.test('round robin over three, skipping one that refuses; unhealthy gets nothing', async (t) => {
    const servers = await Promise.all([backend('a', 7001), backend('b', 7002), backend('c', 7003)]);
    t.teardown(() => { for (const s of servers) s.server.close(); });
    const unhealthy = new Set<string>();
    const proxy = new TcpProxy({ balance: 'round-robin', healthy: (k) => !unhealthy.has(k) });
    const dialErrors: string[] = [];
    proxy.on('dialError', (e) => dialErrors.push(`${e.backend} ${e.reason}`));
    proxy.setBackends([7001, 7002, 7003].map((port) => ({ address: '127.0.0.1', port })));
    await proxy.listen(6444);
    t.teardown(() => proxy.close({ connections: true }));
    const seq: string[] = [];
    for (let i = 0; i < 6; i++) seq.push(await ask(6444));
    t.same(seq, ['a', 'b', 'c', 'a', 'b', 'c'], 'each in turn');
    t.same(proxy.stats().map((s) => s.total), [2, 2, 2]);

    unhealthy.add('127.0.0.1:7002');
    const without: string[] = [];
    for (let i = 0; i < 4; i++) without.push(await ask(6444));
    t.notOk(without.includes('b'), `an unhealthy backend gets no new connection (${without.join(' ')})`);
    unhealthy.clear();

    await new Promise<void>((r) => servers[2]!.server.close(() => r()));
    const refused: string[] = [];
    for (let i = 0; i < 4; i++) refused.push(await ask(6444));
    t.same(refused.filter((x) => x === ''), [], `every client answered although c refuses (${refused.join(' ')})`);
    t.ok(dialErrors.some((e) => e === '127.0.0.1:7003 ECONNREFUSED'), 'the refusal is reported');

    t.match(await ask(6444, { host: '::1' }), /^[ab]$/, 'the listener takes IPv6 too');
  });

  t.test('least connections; a half-closed client still gets its answer; nobody reachable: closed', async (t) => {
    const a = await backend('a', 7011, { waitForEnd: true });
    const b = await backend('b', 7012, { waitForEnd: true });
    t.teardown(() => { a.server.close(); b.server.close(); });
    const proxy = new TcpProxy({ balance: 'least-connections', healthy: () => true });
    proxy.setBackends([{ address: '127.0.0.1', port: 7011 }, { address: '127.0.0.1', port: 7012 }]);
    await proxy.listen(6445);
    t.teardown(() => proxy.close({ connections: true }));
    // Two connections held open (they never half-close): one on each, then both on... whoever is less loaded.
    const held = [ask(6445), ask(6445), ask(6445)];
    await t.resolves(async () => {
      const end = Date.now() + 3000;
      while (a.conns.size + b.conns.size < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    });
    t.same([a.conns.size, b.conns.size].sort(), [1, 2], 'three held connections: 2 and 1');
    const lighter = a.conns.size < b.conns.size ? 'a' : 'b';
    t.equal(await ask(6445, { send: 'ping' }), `${lighter} got ping`, 'the next goes to the less loaded one, and the answer after the client\'s FIN arrives');
    for (const h of held) h.socket?.destroy();

    const proxy2 = new TcpProxy({ balance: 'round-robin', healthy: () => true, connectTimeoutMs: 500 });
    const unserved: number[] = [];
    proxy2.on('unserved', (e) => unserved.push(e.tried));
    proxy2.setBackends([{ address: '127.0.0.1', port: 7998 }, { address: '127.0.0.1', port: 7999 }]);
    await proxy2.listen(6446);
    t.teardown(() => proxy2.close({ connections: true }));
    t.equal(await ask(6446), '', 'nothing reachable: the client is closed');
    t.same(unserved, [2], 'after trying both');
    await t.rejects(new TcpProxy({ balance: 'round-robin', healthy: () => true }).listen(6446), { code: 'EADDRINUSE' }, 'a taken port is an error');
  });

  t.test('the redirect rules: VIP:6443 of both families to the proxy, for local clients too (nat output)', async (t) => {
    if (!requireEnv(t, { commands: ['nft'] })) return;
    execFileSync('ip', ['addr', 'add', '10.9.0.200/32', 'dev', 'lo']);
    execFileSync('ip', ['addr', 'add', 'fd00:9::200/128', 'dev', 'lo', 'nodad']);
    const a = await backend('a', 7021);
    t.teardown(() => a.server.close());
    const proxy = new TcpProxy({ balance: 'round-robin', healthy: () => true });
    proxy.setBackends([{ address: '127.0.0.1', port: 7021 }]);
    await proxy.listen(6447);
    t.teardown(() => proxy.close({ connections: true }));
    const nft = new NftTables();
    await nft.replace(PROXY_REDIRECT_TABLE, redirectRuleset(['10.9.0.200', 'fd00:9::200'], 6443, 6447));
    t.teardown(() => nft.delete(PROXY_REDIRECT_TABLE));
    t.equal(await ask(6443, { host: '10.9.0.200' }), 'a', 'IPv4 VIP:6443 reaches the proxy');
    t.equal(await ask(6443, { host: 'fd00:9::200' }), 'a', 'IPv6 VIP:6443 too');
    t.same(proxy.stats()[0]!.total, 2);
    await nft.delete(PROXY_REDIRECT_TABLE);
    await t.rejects(ask(6443, { host: '10.9.0.200' }), { code: 'ECONNREFUSED' }, 'the table deleted: nothing redirected');
  });
}
