#!/usr/bin/env node
// Thin launcher. The daemon and its keepalived flags run from dist/vipd.cjs, the CLI bundled into
// one CommonJS script (scripts/bundle.mjs): an ES module entry would load Node's ESM loader and
// some 250 module records, ~12 MB of RSS a controller pays for as long as it runs. The ES modules
// run instead for `vipd bench` (not in the bundle), when the bundle is missing, or when it is older
// than the compiled TypeScript (a `tsc` after the last `npm run build`: never a stale daemon).
// VIPD_LAUNCH=esm or =bundle forces one (the tests compare both).
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function useBundle() {
  const forced = process.env.VIPD_LAUNCH;
  if (forced === 'esm' || forced === 'bundle') return forced === 'bundle';
  if (process.argv[2] === 'bench') return false;
  const bundled = mtime(join(dist, 'vipd.cjs'));
  const compiled = mtime(join(dist, 'src', 'cli', 'main.js'));
  return bundled !== undefined && (compiled === undefined || bundled >= compiled);
}

if (useBundle()) require(join(dist, 'vipd.cjs'));
else import('../dist/src/cli/main.js');
