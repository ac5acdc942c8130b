// The demo (`npm run demo`, scripts/demo.sh): three k0s-style controllers in namespaces run vipd
// from one keepalived.conf; a live view shows each node's state and who holds the VIP; the master's
// cable is pulled, the takeover and the client's outage are measured; the cable goes back; all is
// removed. Refreshing lines on a terminal, plain event lines otherwise.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createBenchLab, sleep, type BenchLab, type ProbeAgent } from './lib/bench-lab.js';
import { masterDownMs, type IntervalSpec } from './lib/conf.js';
import { nowMs } from './lib/prober.js';
import { startRouter, type RouterProc } from './lib/router.js';
import { fmtMs } from './lib/stats.js';

const tty = !!process.stdout.isTTY;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const color = (state: string) => {
  if (!tty) return state.toUpperCase();
  const c = state === 'master' ? 32 : state === 'backup' ? 36 : state === 'fault' ? 31 : 33;
  return `\x1b[${c}m${state.toUpperCase().padEnd(7)}\x1b[0m`;
};
const t0 = Date.now();
const stamp = () => `+${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
const say = (s: string) => view.println(s);

/** k0s renders this (cplb.md): same priority everywhere, advert_int 1, PASS auth, the VIP with its prefix. */
function k0sConf(vip: string, ipvs: boolean, controllers: string[]): string {
  const vs = ipvs ? `
virtual_server ${vip} 6443 {
    delay_loop 60
    lb_algo rr
    lb_kind DR
    persistence_timeout 360
    protocol TCP
${controllers.map((c) => `    real_server ${c} 6443 {
        weight 1
        TCP_CHECK {
            warmup 0
            retry 1
            connect_timeout 3
            connect_port 6443
        }
    }`).join('\n')}
}
` : '';
  return `# k0s-style keepalived.conf (rendered by the vipd demo)
vrrp_instance k0s-vip-0 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 200
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass demo
    }
    virtual_ipaddress {
        ${vip}/24
    }
}
${vs}`;
}

/** Whether the host kernel has IPVS (loaded, or loadable). */
function ipvsAvailable(): { ok: boolean; why?: string } {
  if (existsSync('/proc/net/ip_vs')) return { ok: true };
  const r = spawnSync('modprobe', ['ip_vs'], { encoding: 'utf8' });
  if (r.status === 0 && existsSync('/proc/net/ip_vs')) return { ok: true };
  return { ok: false, why: `this host kernel has no IPVS (CONFIG_IP_VS; modprobe ip_vs: ${(r.stderr || r.error?.message || 'failed').trim().split('\n')[0]})` };
}

class LiveView {
  #lines = 0;
  #last = '';
  constructor(private readonly render: () => string[]) {}
  /** On a terminal: redraw the block; otherwise print only what changed. */
  refresh(): void {
    const lines = this.render();
    if (tty) {
      if (this.#lines) process.stdout.write(`\x1b[${this.#lines}A`);
      for (const l of lines) process.stdout.write(`\x1b[2K${l}\n`);
      this.#lines = lines.length;
    } else {
      const s = lines.join(' | ');
      if (s !== this.#last) process.stdout.write(`${stamp()} ${s}\n`);
      this.#last = s;
    }
  }
  println(s: string): void {
    if (tty && this.#lines) {
      process.stdout.write(`\x1b[${this.#lines}A\x1b[J`);
      this.#lines = 0;
    }
    process.stdout.write(`${tty ? '' : `${stamp()} `}${s}\n`);
    this.refresh();
  }
}

let view: LiveView;

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('demo: run as root (it creates network namespaces)\n');
    return 1;
  }
  const names = ['controller-1', 'controller-2', 'controller-3'];
  const ipvs = ipvsAvailable();
  process.stdout.write(`${bold('vipd demo')}: 3 controllers + 1 client on a bridge, each controller runs vipd from the same k0s-style keepalived.conf\n`);
  if (!ipvs.ok) {
    process.stdout.write(`IPVS part skipped: ${ipvs.why}. The VRRP part runs; the IPVS/LVS-DR scenario runs in a UML kernel in the test suite (test/integration/seed-e2e.test.ts).\n`);
  }
  const bl: BenchLab = await createBenchLab(3, names);
  let probe: ProbeAgent | undefined;
  const procs: RouterProc[] = [];
  const holders = new Map<string, boolean>();
  let status = 'starting';
  view = new LiveView(() => [
    ...procs.map((p) => tty
      ? `  ${p.node.name.padEnd(13)} ${p.node.ipv4.padEnd(14)} ${color(p.state())} ${holders.get(p.node.name) ? bold(`holds VIP ${bl.vip}`) : ''}`
      : `${p.node.name} ${p.state().toUpperCase()}${holders.get(p.node.name) ? ' (VIP)' : ''}`),
    ...(tty ? [`  client        ${bl.client.ipv4.padEnd(14)} ${status}`] : []),
  ]);
  let polling = true;
  const poll = (async () => {
    while (polling) {
      for (const r of bl.routers) {
        const out = await r.exec(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).catch(() => ({ stdout: '' }));
        holders.set(r.name, out.stdout.includes(` ${bl.vip}/`));
      }
      view.refresh();
      await sleep(tty ? 200 : 100);
    }
  })();
  try {
    const spec: IntervalSpec = { name: 'v2-1s', version: 2, advertMs: 1000 };
    const conf = bl.write('keepalived.conf', k0sConf(bl.vip, ipvs.ok, bl.routers.map((r) => r.ipv4)));
    say(`config: ${conf} (VRID 51, priority 200 on every node, advert_int 1, VIP ${bl.vip}/24)`);
    for (const r of bl.routers) procs.push(startRouter('vipd', r, conf, bl.lab.dir));
    const deadline = Date.now() + 15_000;
    while (!(procs.filter((p) => p.state() === 'master').length === 1 && procs.filter((p) => p.state() === 'backup').length === 2)) {
      if (Date.now() > deadline) throw new Error(`no stable master within 15 s:\n${procs.map((p) => `${p.node.name}:\n${p.tail()}`).join('\n')}`);
      await sleep(50);
    }
    const master = procs.find((p) => p.state() === 'master')!;
    say(`${master.node.name} is MASTER (equal priorities, as k0s configures: the first whose master-down timer expired won; a tie between masters goes to the higher address)`);
    probe = await bl.startProbe(bl.vip);
    status = 'probing the VIP every 1 ms: replies flowing';
    await sleep(2000);

    say(bold(`pulling ${master.node.name}'s cable (power loss as the LAN sees it)`));
    status = 'probing the VIP every 1 ms: waiting for replies...';
    const cutAt = bl.cut(master.node);
    const others = procs.filter((p) => p !== master);
    const ev = await Promise.any(others.map((p) => p.waitState('master', { since: cutAt, timeoutMs: 10_000 })));
    // Equal priorities: both backups' timers expire together; the lower address yields at once.
    await sleep(500);
    const winner = others.find((p) => p.state() === 'master') ?? others.find((p) => p.events.includes(ev))!;
    const flapped = others.filter((p) => p !== winner && p.events.some((e) => e.time >= cutAt && e.state === 'master'));
    if (flapped.length) say(`(${flapped.map((p) => p.node.name).join(', ')} was MASTER for a moment too: equal priorities, the higher address won)`);
    const until = Date.now() + 3000;
    while (Date.now() < until && !probe.gaps.some((g) => g.to > cutAt)) await sleep(10);
    const outage = probe.outage(cutAt - 1, nowMs());
    const mdi = masterDownMs(spec, 200);
    status = `replies flowing again (outage ${fmtMs(outage)} ms)`;
    say(`${winner.node.name} took over ${fmtMs(ev.time - cutAt)} ms after the cut (Master_Down_Interval ${fmtMs(mdi)} ms: 3 x advert_int + skew; the outage depends on where in the advert interval the cut fell)`);
    say(bold(`client outage: ${fmtMs(outage)} ms`));
    await sleep(2500);

    say(bold(`plugging ${master.node.name} back in`));
    const plugAt = bl.plug(master.node);
    await master.waitState('backup', { since: plugAt, timeoutMs: 10_000 });
    // Equal priorities: the returning node preempts only if its address is higher.
    const settle = Date.now() + mdi + 1000;
    while (Date.now() < settle) await sleep(50);
    const now = procs.find((p) => p.state() === 'master');
    const back = probe.outage(plugAt - 1, nowMs());
    say(`${master.node.name} is back as ${master.state().toUpperCase()}; MASTER is ${now?.node.name ?? 'nobody'}; client outage during the return: ${fmtMs(back)} ms`);
    await sleep(1000);
    return 0;
  } finally {
    polling = false;
    await poll;
    say('cleaning up: stopping vipd (graceful: priority-0 adverts), removing namespaces');
    await probe?.stop();
    await Promise.all(procs.map((p) => p.stop()));
    await bl.teardown();
    process.stdout.write('done: no namespaces or processes left behind\n');
  }
}

main().then((c) => process.exit(c), (e: Error) => {
  process.stderr.write(`demo failed: ${e.message}\n`);
  process.exit(1);
});
