// A reload applies only what changed (the re-read's kept blocks -> planReload's change set -> the
// IPVS runner -> the manager's dirty services -> the reconciler's applyChanged); whatever the edit
// (one block or several, lines added or removed, services renamed, a key programmed twice), the
// kernel table after a chain of reloads is the one a fresh start on the last file programs.
import t from 'tap';
import fc from 'fast-check';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryConfigFs } from '../../src/config/index.js';
import { readKeepalived, rereadKeepalived, type KeepalivedRead } from '../../src/config/keepalived/reparse.js';
import type { KeepalivedParseOptions } from '../../src/config/keepalived/index.js';
import * as C from '../../src/ipvs/constants.js';
import { captureLogger, fakeHost, settle, type FakeHost } from '../helpers/daemon-fakes.js';

const FILE = '/k/keepalived.conf';
const options = (): KeepalivedParseOptions => ({ file: FILE, fs: new MemoryConfigFs({}) });

interface Rs { ip: number; weight: number; check: boolean }
interface Vs { ip: number; port: number; algo: string; rs: Rs[] }

const ALGOS = ['rr', 'wrr', 'lc'];
const PORTS = [80, 443];

function render(model: Vs[]): string {
  const out = ['# incremental reload property'];
  for (const v of model) {
    out.push(`virtual_server 10.9.0.${v.ip} ${v.port} {`, '    delay_loop 6', `    lb_algo ${v.algo}`, '    lb_kind NAT', '    protocol TCP');
    for (const r of v.rs) {
      out.push(`    real_server 10.8.0.${r.ip} 8080 {`, `        weight ${r.weight}`);
      if (r.check) out.push('        TCP_CHECK {', '            connect_timeout 3', '        }');
      out.push('    }');
    }
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

const rsArb = fc.record({ ip: fc.integer({ min: 1, max: 5 }), weight: fc.integer({ min: 0, max: 4 }), check: fc.boolean() });
// Small address and port ranges: now and then two blocks name the same service.
const vsArb = fc.record({
  ip: fc.integer({ min: 1, max: 12 }), port: fc.constantFrom(...PORTS), algo: fc.constantFrom(...ALGOS),
  rs: fc.uniqueArray(rsArb, { selector: (r) => r.ip, minLength: 1, maxLength: 3 }),
});

type Edit = { kind: 'weight' | 'algo' | 'port' | 'addRs' | 'removeRs' | 'addVs' | 'removeVs' | 'check' | 'two' | 'move'; a: number; b: number; c: number };
const editArb: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('weight', 'weight', 'weight', 'algo', 'port', 'addRs', 'removeRs', 'addVs', 'removeVs', 'check', 'two', 'move'),
  a: fc.nat(), b: fc.nat(), c: fc.nat(),
});

function edit(model: Vs[], e: Edit): Vs[] {
  const m = model.map((v) => ({ ...v, rs: v.rs.map((r) => ({ ...r })) }));
  const v = m[e.a % m.length];
  if (!v) return e.kind === 'addVs' ? [{ ip: 1 + (e.b % 12), port: 80, algo: 'rr', rs: [{ ip: 1, weight: 1, check: false }] }] : m;
  const r = v.rs[e.b % v.rs.length];
  switch (e.kind) {
    case 'weight': if (r) r.weight = (r.weight + 1 + (e.c % 4)) % 5; break;
    case 'algo': v.algo = ALGOS[(ALGOS.indexOf(v.algo) + 1) % ALGOS.length]!; break;
    case 'port': v.port = PORTS[(PORTS.indexOf(v.port) + 1) % PORTS.length]!; break;
    case 'check': if (r) r.check = !r.check; break;
    case 'addRs': {
      const ip = [1, 2, 3, 4, 5].find((x) => !v.rs.some((y) => y.ip === x));
      if (ip) v.rs.push({ ip, weight: e.c % 5, check: e.c % 2 === 0 });
      break;
    }
    case 'removeRs': if (v.rs.length > 1) v.rs.splice(e.b % v.rs.length, 1); break;
    case 'addVs': m.splice(e.b % (m.length + 1), 0, { ip: 1 + (e.c % 12), port: PORTS[e.c % 2]!, algo: 'rr', rs: [{ ip: 1 + (e.c % 5), weight: 1, check: true }] }); break;
    case 'removeVs': m.splice(e.a % m.length, 1); break;
    case 'two': {
      // Two weights in two blocks: the re-read reads the whole file, the plan still finds the two.
      const w = m[(e.a + 1 + (e.c % Math.max(1, m.length - 1))) % m.length]!;
      if (r) r.weight = (r.weight + 1) % 5;
      if (w.rs[0]) w.rs[0].weight = (w.rs[0].weight + 2) % 5;
      break;
    }
    case 'move': {
      const [x] = m.splice(e.a % m.length, 1);
      m.splice(e.b % (m.length + 1), 0, x!);
      break;
    }
  }
  return m;
}

/** The table as a user reads it (ipvsadm -Ln): service config and its destinations, by key. */
function table(host: FakeHost): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, { service, dests }] of [...host.ipvs.table].sort(([a], [b]) => a.localeCompare(b))) {
    out[k] = { service, dests: Object.fromEntries([...dests].sort(([a], [b]) => a.localeCompare(b))) };
  }
  return out;
}

function start(text: string): { host: FakeHost; d: Daemon; read: KeepalivedRead; lines: Array<Record<string, unknown>> } {
  const host = fakeHost();
  const cap = captureLogger();
  const d = new Daemon(cap.log, { logDetail: false, vrrpOnly: false, checkOnly: true }, host.deps);
  return { host, d, read: readKeepalived(text, options()), lines: cap.lines };
}

t.test('a chain of reloads gives the table of a fresh start on the last file', async (t) => {
  const how = { unchanged: 0, block: 0, full: 0 };
  await fc.assert(fc.asyncProperty(fc.array(vsArb, { minLength: 1, maxLength: 10 }), fc.array(editArb, { minLength: 1, maxLength: 8 }), async (initial, edits) => {
    const run = start(render(initial));
    await run.d.start(run.read.result.config);
    let model = initial;
    let read = run.read;
    for (const e of edits) {
      model = edit(model, e);
      const next = rereadKeepalived(read, render(model), options());
      how[next.how]++;
      read = next.read;
      await run.d.reload(read.result.config);
      await settle(5);
    }
    const fresh = start(render(model));
    await fresh.d.start(fresh.read.result.config);
    await settle(5);
    const got = table(run.host), want = table(fresh.host);
    await run.d.stop();
    await fresh.d.stop();
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      t.same(got, want, `after ${edits.map((e) => e.kind).join(', ')}`);
      return false;
    }
    return true;
  }), { numRuns: 60 });
  t.ok(how.block > 0 && how.full > 0, `both one-block and full re-reads were exercised (${JSON.stringify(how)})`);
});

t.test('the commands of a reload: only what changed, nothing read', async (t) => {
  const model: Vs[] = Array.from({ length: 40 }, (_, i) => ({ ip: 1 + (i % 250), port: 80 + (i >= 250 ? 1 : 0), algo: 'rr', rs: [{ ip: 1, weight: 1, check: true }, { ip: 2, weight: 1, check: true }] }));
  for (let i = 0; i < model.length; i++) model[i]!.ip = i + 1;
  const run = start(render(model));
  await run.d.start(run.read.result.config);
  await settle(5);
  let read = run.read;
  const reload = async (m: Vs[]) => {
    const from = run.host.ipvs.commands.length;
    const next = rereadKeepalived(read, render(m), options());
    read = next.read;
    await run.d.reload(read.result.config);
    await settle(5);
    return { how: next.how, cmds: run.host.ipvs.commands.slice(from).map((c) => c.cmd) };
  };
  const two = edit(model, { kind: 'two', a: 3, b: 0, c: 10 });
  t.same(await reload(two), { how: 'full', cmds: [C.IPVS_CMD_SET_DEST, C.IPVS_CMD_SET_DEST] }, 'two blocks: the whole file is read, two SET_DESTs sent');
  const added = edit(two, { kind: 'addRs', a: 7, b: 0, c: 1 });
  t.same(await reload(added), { how: 'full', cmds: [C.IPVS_CMD_NEW_DEST] }, 'a real server added (lines added): one NEW_DEST');
  const moved = edit(added, { kind: 'move', a: 0, b: 20, c: 0 });
  t.same(await reload(moved), { how: 'full', cmds: [] }, 'a block moved: nothing to send');
  const renamed = edit(moved, { kind: 'port', a: 5, b: 0, c: 0 });
  t.same(await reload(renamed), { how: 'block', cmds: [C.IPVS_CMD_NEW_SERVICE, C.IPVS_CMD_NEW_DEST, C.IPVS_CMD_NEW_DEST, C.IPVS_CMD_DEL_SERVICE] }, 'a service renamed: the new one programmed, the old one removed');
  await run.d.stop();
  t.equal(run.host.ipvs.table.size, 0);
});
