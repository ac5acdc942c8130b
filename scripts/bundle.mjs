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
  plugins: [replaced],
  legalComments: 'none',
  // Memory, not speed: V8 keeps every script's source for lazy compilation, as one-byte characters
  // only when all of it is ASCII (else twice the size); no comments or indentation (names stay,
  // so stack traces still read).
  charset: 'ascii',
  minifyWhitespace: true,
  logLevel: 'warning',
});
