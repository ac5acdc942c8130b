// The whole CLI as one CommonJS script: the main script of the single executable (Node 20 runs
// only CommonJS as an SEA's main script, and its require() sees built-in modules only), and
// dist/vipd.cjs, which bin/vipd.js runs instead of some 250 ES modules (~12 MB less RSS: no ESM
// loader, no module records).
// Usage: node scripts/bundle.mjs [OUT.cjs]   (default dist/vipd.cjs; from the TypeScript sources:
// esbuild strips the types, tsc type-checks in the normal build)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const out = process.argv[2] ?? new URL('../dist/vipd.cjs', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Modules that read files next to themselves, which a single file does not have. */
const replaced = {
  name: 'vipd-sea',
  setup(b) {
    // src/version.ts reads package.json beside it: the version is fixed at bundle time instead.
    b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({
      contents: `export const VERSION = ${JSON.stringify(version)};`,
    }));
    // The benchmarks start lab nodes from a source checkout (node bin/vipd.js): not in the executable.
    b.onLoad({ filter: /[\\/]bench[\\/]main\.ts$/ }, () => ({
      contents: `export async function runBench() {
        process.stderr.write('vipd bench: the benchmarks run from the npm package or a source checkout, not the single executable\\n');
        return 2;
      }`,
    }));
  },
};

/**
 * pino as the daemon uses it (pino.destination({ sync: true }) or a plain stream, on the main
 * thread, never pino.transport()): its transport worker (thread-stream, with node:worker_threads)
 * and node:assert (one type check in sonic-boom) would load with it and stay in every daemon's
 * RSS. pino.transport() throws a clear error in the bundle instead.
 */
const leanPino = {
  name: 'vipd-lean-pino',
  setup(b) {
    const stub = (contents) => ({ path: contents, namespace: 'vipd-stub' });
    b.onResolve({ filter: /^thread-stream$/ }, (a) => (/[\\/]pino[\\/]/.test(a.importer) ? stub('thread-stream') : undefined));
    b.onResolve({ filter: /^worker_threads$/ }, (a) => (/[\\/]pino[\\/]lib[\\/]tools\.js$/.test(a.importer) ? stub('worker_threads') : undefined));
    b.onResolve({ filter: /^assert$/ }, (a) => (/[\\/]sonic-boom[\\/]/.test(a.importer) ? stub('assert') : undefined));
    const stubs = {
      'thread-stream': `module.exports = class ThreadStream { constructor() { throw new Error('vipd: pino transports are not part of the vipd bundle'); } };`,
      // The daemon logs from the main thread only.
      worker_threads: `module.exports = { isMainThread: true };`,
      assert: `module.exports = function assert(ok, message) { if (!ok) throw new Error(message); };`,
    };
    b.onLoad({ filter: /.*/, namespace: 'vipd-stub' }, (a) => ({ contents: stubs[a.path], loader: 'js' }));
  },
};

await build({
  entryPoints: [new URL('../src/cli/main.ts', import.meta.url).pathname],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // import.meta does not exist in CommonJS: the executable's own path stands in for the module URL
  // (createRequire() then loads what the executable has, such as node:sea).
  define: { 'import.meta.url': '__vipd_import_meta_url' },
  banner: { js: 'const __vipd_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [replaced, leanPino],
  legalComments: 'none',
  // Memory, not speed: V8 keeps every script's source for lazy compilation, as one-byte characters
  // only when all of it is ASCII (else twice the size); no comments or indentation (names stay,
  // so stack traces still read).
  charset: 'ascii',
  minifyWhitespace: true,
  logLevel: 'warning',
});
