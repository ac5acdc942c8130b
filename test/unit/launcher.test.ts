// bin/vipd.js runs the bundled CLI (dist/vipd.cjs) or the ES modules (dist/src): a user must not
// be able to tell which, but for memory. Every line here runs through both and must print the same.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { repoRoot } from '../../src/lab/repo-root.js';

const bin = `${repoRoot}/bin/vipd.js`;
const bundle = `${repoRoot}/dist/vipd.cjs`;
const fixture = `${repoRoot}/test/fixtures/config/k0s-multi/keepalived.conf`;

function vipd(launch: 'esm' | 'bundle' | undefined, args: string[]) {
  const env = { ...process.env };
  delete env.VIPD_LAUNCH;
  if (launch) env.VIPD_LAUNCH = launch;
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('the bundle exists after the build and is not older than the compiled TypeScript', async (t) => {
  t.ok(existsSync(bundle), 'dist/vipd.cjs (scripts/deps.sh, npm run build)');
  t.ok(statSync(bundle).mtimeMs >= statSync(`${repoRoot}/dist/src/cli/main.js`).mtimeMs, 'so bin/vipd.js runs it');
  t.notMatch(readFileSync(bundle, 'latin1'), /[^\x00-\x7f]/, 'ASCII only (V8 holds it as one byte per character)');
});

const lines: string[][] = [
  ['--version'],
  ['-t', '-f', fixture],
  ['-t', '-f', '/nonexistent/keepalived.conf'],
  ['-t', '-f', `${repoRoot}/test/fixtures/config/broken/03-vrid-0.conf`],
  ['--bogus-flag'],
  ['--help'],
];

for (const args of lines) {
  t.test(`vipd ${args.join(' ')}: the same from the bundle and the ES modules`, async (t) => {
    const esm = vipd('esm', args);
    const bundled = vipd('bundle', args);
    const chosen = vipd(undefined, args);
    t.same(bundled, esm);
    t.same(chosen, esm);
  });
}

t.test('vipd bench runs from the ES modules (the bundle has no benchmarks)', async (t) => {
  const r = vipd(undefined, ['bench', '--help']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout + r.stderr, /failover/);
});
