// Runs inside the UML kernel (bench/ipvs.ts): programs N services x M real servers with vipd
// (Reconciler.apply, batched generic netlink) and with `ipvsadm -R`, flushing between, then
// changes one destination weight among N with each. Prints one JSON line per phase:
//   {"phase":"vipd-program","ms":..,"sent":..,"requests":..,"entries":..}
// and a last {"phase":"done"}. Exits non-zero when a phase left the table in the wrong state.
//   node uml-ipvs-bench.js <services> <dests> <batchSize>
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { IpvsClient } from '../../src/ipvs/client.js';
import { makeDestination, type Destination } from '../../src/ipvs/destination.js';
import { plan, Reconciler, type ServiceState } from '../../src/ipvs/reconciler.js';
import { makeService, serviceKey } from '../../src/ipvs/service.js';

const [nArg, mArg, batchArg] = process.argv.slice(2);
const N = Number(nArg ?? 10_000);
const M = Number(mArg ?? 3);
const batchSize = Number(batchArg ?? 256);
const emit = (phase: string, data: Record<string, unknown> = {}) => console.log(JSON.stringify({ phase, ...data }));
let failures = 0;

function sh(cmd: string[], input?: string): { ms: number; code: number; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { ms: performance.now() - t0, code: r.status ?? 128, stderr: (r.stderr ?? '').trim() };
}

/** Services and destinations in the table, from /proc/net/ip_vs (cheap: no netlink, one read). */
function tableEntries(): { services: number; destinations: number } {
  let services = 0, destinations = 0;
  for (const line of readFileSync('/proc/net/ip_vs', 'utf8').split('\n')) {
    if (/^(TCP|UDP|SCTP|FWM)\s/.test(line)) services++;
    else if (line.startsWith('  -> ') && !line.includes('RemoteAddress')) destinations++;
  }
  return { services, destinations };
}

function check(phase: string, want: { services: number; destinations: number }): { services: number; destinations: number } {
  const got = tableEntries();
  if (got.services !== want.services || got.destinations !== want.destinations) {
    failures++;
    emit('error', { after: phase, want, got });
  }
  return got;
}

// Addresses: services 10.200+.x.y:80, real servers 10.(1+j).x.y:80 (LVS-DR: ipvsadm sets a
// DR real server's port to the service's). DR/NAT destinations
// must be unicast in this namespace: a dummy link holds 10.0.0.1/8.
const octets = (i: number) => [(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff] as const;
const vipOf = (i: number) => { const [a, b, c] = octets(i); return `10.${200 + a}.${b}.${c}`; };
const rsOf = (i: number, j: number) => { const [, b, c] = octets(i); return `10.${1 + j}.${b}.${c}`; };

function desiredTable(changed?: { index: number; weight: number }): ServiceState[] {
  const out: ServiceState[] = [];
  for (let i = 0; i < N; i++) {
    const service = makeService({ family: 4, protocol: 'tcp', address: vipOf(i), port: 80, scheduler: 'rr' });
    const destinations: Destination[] = [];
    for (let j = 0; j < M; j++) {
      const weight = changed && changed.index === i && j === 0 ? changed.weight : 1;
      destinations.push(makeDestination({ family: 4, address: rsOf(i, j), port: 80, forward: 'route', weight }));
    }
    out.push({ service, destinations });
  }
  return out;
}

function restoreFile(): string {
  const lines: string[] = [];
  for (let i = 0; i < N; i++) {
    lines.push(`-A -t ${vipOf(i)}:80 -s rr`);
    for (let j = 0; j < M; j++) lines.push(`-a -t ${vipOf(i)}:80 -r ${rsOf(i, j)}:80 -g -w 1`);
  }
  return `${lines.join('\n')}\n`;
}

const setup = sh(['ip', '-batch', '-'], 'link add d0 type dummy\nlink set d0 up\naddress add 10.0.0.1/8 dev d0\n');
if (setup.code !== 0) {
  emit('fatal', { error: `setup: ${setup.stderr}` });
  process.exit(1);
}
const full = { services: N, destinations: N * M };
const empty = { services: 0, destinations: 0 };
const client = await IpvsClient.open();
await client.flush();
emit('start', { services: N, dests: M, batchSize, kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() });

// 1. vipd programs the whole table from empty: one services dump, then batched NEW_SERVICE/NEW_DEST.
const desired = desiredTable();
{
  const r0 = client.requestsSent;
  const t0 = performance.now();
  const res = await new Reconciler(client, { batchSize }).apply(desired);
  const ms = performance.now() - t0;
  emit('vipd-program', { ms, sent: res.sent, failed: res.failed.length, requests: client.requestsSent - r0, entries: check('vipd-program', full) });
}
{
  const t0 = performance.now();
  await client.flush();
  emit('flush', { ms: performance.now() - t0, entries: check('flush', empty) });
}

// 2. ipvsadm -R from a restore file (what keepalived-era scripts do); includes ipvsadm's start.
{
  const text = restoreFile();
  writeFileSync('/tmp/ipvs.rules', text);
  const r = sh(['sh', '-c', 'ipvsadm -R < /tmp/ipvs.rules']);
  if (r.code !== 0) {
    failures++;
    emit('error', { after: 'ipvsadm-restore', code: r.code, stderr: r.stderr.slice(0, 500) });
  }
  emit('ipvsadm-restore', { ms: r.ms, lines: N * (M + 1), entries: check('ipvsadm-restore', full) });
}

// 3. One destination weight changes among N (the table is ipvsadm's; vipd owns every service).
const index = N >> 1;
const changedTable = desiredTable({ index, weight: 2 });
const owned = desired.map((s) => serviceKey(s.service));
{
  const t0 = performance.now();
  const ops = plan(changedTable, desired, new Set(owned));
  emit('vipd-plan', { ms: performance.now() - t0, ops: ops.length });
}
for (const mode of ['full', 'changed'] as const) {
  // full: read the table before planning (what a fresh reconciler does); changed: trust what was applied.
  const rec = new Reconciler(client, { batchSize, owned, ...(mode === 'full' ? { read: 'all' as const } : { applied: desired }) });
  const target = mode === 'full' ? changedTable : desiredTable({ index, weight: 3 });
  const r0 = client.requestsSent;
  const t0 = performance.now();
  const res = await rec.apply(target);
  const ms = performance.now() - t0;
  const weight = /-> (\S+)\s+Route\s+(\d+)/.exec(readFileSync('/proc/net/ip_vs', 'utf8').split('\n').find((l) => l.includes(`${hexAddr(rsOf(index, 0))}:0050`)) ?? '');
  emit(`vipd-reconcile-${mode}`, { ms, sent: res.sent, failed: res.failed.length, requests: client.requestsSent - r0, weightNow: weight ? Number(weight[2]) : undefined });
}
{
  const r = sh(['ipvsadm', '-e', '-t', `${vipOf(index)}:80`, '-r', `${rsOf(index, 0)}:80`, "-g", '-w', '4']);
  if (r.code !== 0) {
    failures++;
    emit('error', { after: 'ipvsadm-edit', code: r.code, stderr: r.stderr });
  }
  emit('ipvsadm-edit', { ms: r.ms, commands: 1 });
}
// And the same change once more with vipd, table already right: how long "nothing to do" takes.
{
  const rec = new Reconciler(client, { batchSize, owned });
  const t0 = performance.now();
  const res = await rec.apply(desiredTable({ index, weight: 4 }));
  emit('vipd-noop-full', { ms: performance.now() - t0, sent: res.sent });
}
await client.flush();
client.close();
emit('done', { failures });
process.exit(failures ? 1 : 0);

/** /proc/net/ip_vs prints IPv4 addresses as 8 hex digits. */
function hexAddr(a: string): string {
  return a.split('.').map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0')).join('');
}
