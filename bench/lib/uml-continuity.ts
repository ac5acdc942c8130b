// Runs inside the UML kernel (bench/continuity.ts, test/integration/lvs-sync-daemon.test.ts):
// connection continuity through a master failure. Three k0s-style controllers (network
// namespaces, each its own IPVS table) run vipd or keepalived from one keepalived.conf: a
// vrrp_instance whose notify scripts point an include at the LVS-DR virtual_server on MASTER and
// at /dev/null otherwise (then SIGHUP), optionally `lvs_sync_daemon eth0 k0s-vip-0`. Every
// controller holds the VIP on dummyvip0 and runs a line echo server on :6443 that answers with
// its name. A client opens long-lived TCP connections through VIP:6443 (rr: spread over the
// three), then the master loses power (cable out, processes killed) and each connection is asked
// once more: it survived when the same controller answers.
//   node uml-continuity.js '<json: { runs: [{ impl, sync }], conns, trials, restore }>'
// Prints one JSON line per step ({step, run, ...}); exits 0 when every run got to its end.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { createLan, waitFor, type LabNode } from '../../src/lab/netns-lab.js';
import { k0sSetstateScript } from '../../src/lab/k0s-setstate.js';

export type Impl = 'vipd' | 'keepalived';
export interface ContinuityRun { impl: Impl; sync: boolean }
export interface ContinuityArgs { runs: ContinuityRun[]; conns: number; trials: number; restore?: boolean }

const args = JSON.parse(process.argv[2] ?? '{}') as Partial<ContinuityArgs>;
const runs = args.runs ?? [{ impl: 'vipd', sync: true }, { impl: 'vipd', sync: false }];
const CONNS = args.conns ?? 30;
const TRIALS = args.trials ?? 1;
const out = (step: string, data: Record<string, unknown> = {}) => console.log(JSON.stringify({ step, ...data }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
setTimeout(() => { out('fatal', { error: 'fixture timeout' }); process.exit(1); }, 60_000 + runs.length * TRIALS * 120_000).unref();

const SERVER = `
const name = process.argv[1];
require('node:net').createServer((c) => {
  c.setNoDelay(true);
  let buf = '';
  c.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\\n')) >= 0) { buf = buf.slice(i + 1); c.write(name + '\\n'); } });
  c.on('error', () => {});
}).listen(6443, '0.0.0.0', () => console.log('listening'));`;

// The client keeps its connections; each command is one JSON line in, one out.
const CLIENT = `
const net = require('node:net');
const conns = [];
const ask = (c, ms) => new Promise((resolve) => {
  if (c.dead) return resolve(c.dead);
  const timer = setTimeout(() => done('timeout'), ms);
  const done = (r) => { clearTimeout(timer); c.pending = undefined; resolve(r); };
  c.pending = done;
  c.sock.write('ping\\n');
});
const open = (vip) => new Promise((resolve) => {
  const c = { buf: '' };
  c.sock = net.connect({ host: vip, port: 6443 }, async () => resolve(c));
  c.sock.setNoDelay(true);
  c.sock.on('data', (d) => { c.buf += d; let i; while ((i = c.buf.indexOf('\\n')) >= 0) { const l = c.buf.slice(0, i); c.buf = c.buf.slice(i + 1); c.pending?.(l); } });
  c.sock.on('error', (e) => { c.dead = 'error ' + e.code; c.pending?.(c.dead); });
  c.sock.on('close', () => { c.dead ??= 'closed'; c.pending?.(c.dead); });
  c.sock.setTimeout(5000, () => { if (!conns.includes(c)) { c.dead = 'connect timeout'; c.sock.destroy(); resolve(c); } });
});
require('node:readline').createInterface({ input: process.stdin }).on('line', async (l) => {
  const cmd = JSON.parse(l);
  if (cmd.op === 'open') {
    const got = [];
    for (let i = 0; i < cmd.n; i++) { const c = await open(cmd.vip); conns.push(c); got.push(await ask(c, 3000)); }
    console.log(JSON.stringify(got));
  } else if (cmd.op === 'ask') {
    console.log(JSON.stringify(await Promise.all(conns.map((c) => ask(c, cmd.ms)))));
  } else if (cmd.op === 'close') {
    for (const c of conns) c.sock.destroy();
    conns.length = 0;
    console.log('[]');
  }
});`;

interface Ctl { node: LabNode; dir: string; daemon?: ChildProcess; echo?: ChildProcess; states: string[] }

async function ipvsSave(n: LabNode): Promise<string[]> {
  return (await n.exec(['ipvsadm', '--save', '-n'])).stdout.trim().split('\n').filter(Boolean);
}
async function syncDaemons(n: LabNode): Promise<string[]> {
  return (await n.exec(['ipvsadm', '-L', '--daemon'])).stdout.trim().split('\n').filter(Boolean);
}
/** Connection entries of the IPVS table (ipvsadm -Lnc), counted by state. */
async function connEntries(n: LabNode): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await n.exec(['ipvsadm', '-L', '-n', '-c'])).stdout.split('\n').slice(2)) {
    const state = line.trim().split(/\s+/)[2];
    if (state) counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

function vsConf(vip: string, controllers: LabNode[]): string {
  return `virtual_server ${vip} 6443 {
    delay_loop 2
    lb_algo rr
    lb_kind DR
    protocol TCP
${controllers.map((r) => `    real_server ${r.ipv4} 6443 {
        weight 1
        TCP_CHECK {
            warmup 0
            retry 1
            connect_timeout 1
        }
    }`).join('\n')}
}
`;
}

function mainConf(c: Ctl, vip: string, priority: number, sync: boolean): string {
  return `# k0s-style (cplb.md), with the connection sync daemon ${sync ? 'on' : 'off'}
global_defs {
    router_id ${c.node.name}
${sync ? '    lvs_sync_daemon eth0 k0s-vip-0\n' : ''}}
vrrp_instance k0s-vip-0 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority ${priority}
    notify_master "'/bin/sh' '${c.dir}/setstate.sh' MASTER"
    notify_backup "'/bin/sh' '${c.dir}/setstate.sh' BACKUP"
    notify_fault "'/bin/sh' '${c.dir}/setstate.sh' FAULT"
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass contpass
    }
    virtual_ipaddress {
        ${vip}/24
    }
}
include keepalived-virtualservers-consumed.conf
`;
}

async function prepare(ctls: Ctl[], vip: string, sync: boolean): Promise<void> {
  const controllers = ctls.map((c) => c.node);
  for (const [i, c] of ctls.entries()) {
    rmSync(c.dir, { recursive: true, force: true });
    mkdirSync(c.dir, { recursive: true });
    writeFileSync(join(c.dir, 'keepalived-virtualservers-generated.conf'), vsConf(vip, controllers));
    writeFileSync(join(c.dir, 'setstate.sh'), k0sSetstateScript({ dir: c.dir, vip, pidFile: 'daemon.pid', settleS: 0.2 }));
    rmSync(join(c.dir, 'keepalived-virtualservers-consumed.conf'), { force: true });
    writeFileSync(join(c.dir, 'keepalived.conf'), mainConf(c, vip, [200, 150, 100][i]!, sync));
    await c.node.exec(['ln', '-sfn', '/dev/null', join(c.dir, 'keepalived-virtualservers-consumed.conf')]);
  }
}

function startDaemon(c: Ctl, impl: Impl): void {
  const conf = join(c.dir, 'keepalived.conf');
  const cmd = impl === 'vipd'
    ? ['node', 'bin/vipd.js', '--dont-fork', '--use-file', conf, '--no-syslog', '--log-console', '--log-json', '--pid', join(c.dir, 'daemon.pid'), '--status-socket', join(c.dir, 'status.sock')]
    : ['keepalived', '--dont-fork', '--log-console', '--use-file', conf, '--pid', join(c.dir, 'daemon.pid'), '--vrrp_pid', join(c.dir, 'vrrp.pid'), '--checkers_pid', join(c.dir, 'checkers.pid')];
  const p = c.node.spawn(cmd);
  const onLine = (l: string) => {
    if (impl === 'vipd') {
      try {
        const j = JSON.parse(l) as Record<string, unknown>;
        if (typeof j.state === 'string' && typeof j.previous === 'string') c.states.push(j.state);
        if (Number(j.level) >= 50) out('daemon-error', { node: c.node.name, msg: j.msg });
      } catch {
        // not JSON
      }
      return;
    }
    const m = /\(k0s-vip-0\) Entering (\w+) STATE/.exec(l);
    if (m) c.states.push(m[1]!.toLowerCase());
  };
  createInterface({ input: p.stdout! }).on('line', onLine);
  createInterface({ input: p.stderr! }).on('line', onLine);
  c.daemon = p;
}

async function startEcho(c: Ctl): Promise<void> {
  const p = c.node.spawn(['node', '-e', SERVER, c.node.name]);
  const rl = createInterface({ input: p.stdout! });
  for await (const line of rl) if (line === 'listening') break;
  c.echo = p;
}

const last = (c: Ctl) => c.states.at(-1) ?? 'unknown';

async function oneRun(run: ContinuityRun, trial: number, index: number): Promise<void> {
  const tag = `${run.impl}-${run.sync ? 'sync' : 'nosync'}-${trial}`;
  const lab = await createLan({ nodes: ['c1', 'c2', 'c3', 'client'], ipv6: false });
  const ctls: Ctl[] = lab.nodes.slice(0, 3).map((node) => ({ node, dir: `/var/tmp/cont-${process.pid}-${index}-${node.name}`, states: [] }));
  const client = lab.node('client');
  const vip = client.ipv4.replace(/\.\d+$/, '.100');
  const base = { run: tag, impl: run.impl, sync: run.sync, trial };
  try {
    await prepare(ctls, vip, run.sync);
    for (const c of ctls) {
      // What k0s sets up: the VIP as /32 on dummyvip0, never up; and the LVS-DR ARP settings.
      await c.node.exec(['ip', 'link', 'add', 'dummyvip0', 'type', 'dummy']);
      await c.node.exec(['ip', 'addr', 'add', `${vip}/32`, 'dev', 'dummyvip0']);
      await c.node.exec(['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
      await startEcho(c);
    }
    for (const c of ctls) startDaemon(c, run.impl);
    const [c1, c2, c3] = ctls as [Ctl, Ctl, Ctl];
    await waitFor(() => last(c1) === 'master' && last(c2) === 'backup' && last(c3) === 'backup', { timeoutMs: 30_000, message: `${tag}: c1 MASTER, c2 and c3 BACKUP` });
    await waitFor(async () => (await ipvsSave(c1.node)).filter((l) => l.startsWith('-a')).length === 3, { timeoutMs: 30_000, message: `${tag}: the service with 3 real servers on c1` });
    if (run.sync) {
      await waitFor(async () => (await syncDaemons(c1.node)).some((l) => l.startsWith('master')) && (await syncDaemons(c2.node)).some((l) => l.startsWith('backup')),
        { timeoutMs: 15_000, message: `${tag}: sync daemons` });
    }
    await sleep(1000);
    out('elected', { ...base, vip, daemons: Object.fromEntries(await Promise.all(ctls.map(async (c) => [c.node.name, await syncDaemons(c.node)]))) });

    const cli = client.spawn(['node', '-e', CLIENT]);
    const lines = createInterface({ input: cli.stdout! });
    const pending: Array<(s: string[]) => void> = [];
    lines.on('line', (l) => pending.shift()?.(JSON.parse(l) as string[]));
    const send = (cmd: Record<string, unknown>) => new Promise<string[]>((resolve) => {
      pending.push(resolve);
      cli.stdin!.write(`${JSON.stringify(cmd)}\n`);
    });
    await client.exec(['ip', 'neigh', 'flush', 'dev', 'eth0']);
    const servedBy = await send({ op: 'open', n: CONNS, vip });
    // The master's sync daemon sends what it buffered within about 2 s (IPVS_SYNC_FLUSH_TIME).
    await sleep(3500);
    const before = await send({ op: 'ask', ms: 3000 });
    out('connected', { ...base, servedBy, before, entries: Object.fromEntries(await Promise.all(ctls.map(async (c) => [c.node.name, await connEntries(c.node)]))) });

    // Power off the master: cable out, every process killed.
    const cutAt = Date.now();
    await c1.node.cut();
    c1.daemon?.kill('SIGKILL');
    c1.echo?.kill('SIGKILL');
    await waitFor(() => last(c2) === 'master', { timeoutMs: 20_000, message: `${tag}: c2 takes over` });
    await waitFor(async () => (await ipvsSave(c2.node)).some((l) => l.startsWith('-A')), { timeoutMs: 30_000, message: `${tag}: IPVS on the new master` });
    const takeoverMs = Date.now() - cutAt;
    await sleep(2000);
    const after = await send({ op: 'ask', ms: 3000 });
    const byServer: Record<string, { total: number; survived: number }> = {};
    servedBy.forEach((s, i) => {
      const r = (byServer[s] ??= { total: 0, survived: 0 });
      r.total++;
      if (after[i] === s) r.survived++;
    });
    out('failover', {
      ...base, takeoverMs, after, byServer,
      daemons: { c2: await syncDaemons(c2.node), c3: await syncDaemons(c3.node) },
      entries: { c2: await connEntries(c2.node), c3: await connEntries(c3.node) },
    });
    await send({ op: 'close' });
    cli.kill('SIGKILL');

    if (args.restore) {
      // Power back: c1 (priority 200) preempts; the daemons swap back.
      await c1.node.restore();
      c1.states.length = 0;
      await startEcho(c1);
      startDaemon(c1, run.impl);
      await waitFor(() => last(c1) === 'master' && last(c2) === 'backup', { timeoutMs: 30_000, message: `${tag}: c1 MASTER again` });
      if (run.sync) await waitFor(async () => (await syncDaemons(c1.node)).some((l) => l.startsWith('master')) && (await syncDaemons(c2.node)).some((l) => l.startsWith('backup')), { timeoutMs: 15_000, message: `${tag}: sync daemons swapped back` });
      out('restored', { ...base, daemons: { c1: await syncDaemons(c1.node), c2: await syncDaemons(c2.node) } });
    }
    for (const c of ctls) c.daemon?.kill('SIGTERM');
    await Promise.all(ctls.map((c) => new Promise((r) => { if (!c.daemon || c.daemon.exitCode !== null) r(undefined); else { c.daemon.once('exit', r); setTimeout(r, 5000); } })));
    out('stopped', { ...base, daemons: Object.fromEntries(await Promise.all(ctls.map(async (c) => [c.node.name, await syncDaemons(c.node)]))) });
    out('run-done', base);
  } catch (e) {
    out('run-error', { ...base, error: (e as Error).message });
  } finally {
    for (const c of ctls) { c.daemon?.kill('SIGKILL'); c.echo?.kill('SIGKILL'); }
    await lab.teardown();
    for (const c of ctls) rmSync(c.dir, { recursive: true, force: true });
  }
}

let i = 0;
for (let trial = 0; trial < TRIALS; trial++) for (const run of runs) await oneRun(run, trial, i++);
out('done');
process.exit(0);
