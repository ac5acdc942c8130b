// Large configs: 10,000 virtual servers x 3 real servers (150,000 lines) load in one go (the
// tokenizer once overflowed the stack at ~2,500 virtual servers), and 100,000 x 3 (1.5 million
// lines) loads in a child whose heap is capped at 1 GiB: the loader streams the text and keeps
// only the model. Times are reported, not asserted (bench/ measures).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseKeepalivedConfig } from '../../src/config/index.js';

/** `n` virtual servers with 3 real servers each, 15 lines per virtual server. */
export function largeConfig(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`virtual_server 10.${100 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256} 80 {`, '  delay_loop 10', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (let r = 1; r <= 3; r++) out.push(`  real_server 10.9.${r}.${(i % 250) + 1} 8080 {`, '    weight 1', '  }');
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

t.test('10,000 x 3 real servers (150,000 lines) load', async (t) => {
  const text = largeConfig(10_000);
  t.equal(text.split('\n').length - 1, 150_000);
  const t0 = performance.now();
  const { config, warnings } = parseKeepalivedConfig(text, { file: '/big.conf' });
  t.comment(`parsed in ${Math.round(performance.now() - t0)} ms`);
  t.equal(config.virtualServers.length, 10_000);
  t.equal(config.virtualServers.reduce((n, v) => n + v.realServers.length, 0), 30_000);
  t.strictSame(warnings, []);
  t.strictSame(config.virtualServers[9_999]!.realServers[2]!.where, { file: '/big.conf', line: 149_997 });
});

t.test('100,000 x 3 real servers (1.5 million lines) load with the heap capped at 1 GiB', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vipd-large-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'keepalived.conf');
  writeFileSync(file, largeConfig(100_000));
  const index = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/config/index.js');
  const script = `import { loadKeepalivedConfig } from ${JSON.stringify(index)};
const t0 = performance.now();
const { config } = loadKeepalivedConfig(${JSON.stringify(file)});
console.log(JSON.stringify({ vs: config.virtualServers.length, rs: config.virtualServers.reduce((n, v) => n + v.realServers.length, 0), ms: Math.round(performance.now() - t0), rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) }));`;
  const r = spawnSync(process.execPath, ['--max-old-space-size=1024', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 240_000 });
  t.equal(r.status, 0, 'loads without running out of memory', { stderr: r.stderr.slice(0, 2000) });
  const out = JSON.parse(r.stdout || '{}') as { vs?: number; rs?: number; ms?: number; rssMiB?: number };
  t.equal(out.vs, 100_000);
  t.equal(out.rs, 300_000);
  t.comment(`100,000 x 3: ${out.ms} ms, rss ${out.rssMiB} MiB`);
});
