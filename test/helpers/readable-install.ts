// What a test running vipd as an unprivileged user gives it: a copy of the runnable package
// (bin/, dist/src/, package.json, binding.gyp, the built addon, the runtime node_modules) in a
// directory every user can reach. The clone itself may sit under a parent the user cannot
// traverse (/root is 0700, so is a `mktemp -d` folder): then `node /root/vipd/bin/vipd.js` run as
// nobody fails with "Cannot find module". Always copying makes the test the same wherever the
// clone is.
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { Test } from 'tap';
import { onCleanup } from '../../src/lab/cleanup.js';
import { repoRoot } from '../../src/lab/repo-root.js';
import { reapStaleDirs } from '../../src/lab/stale.js';

const PREFIX = 'vipd-readable-';

export interface ReadableInstall {
  /** The copy's root: run `node <root>/bin/vipd.js`, import `<root>/dist/src/...`. */
  root: string;
  /** Absolute path of bin/vipd.js in the copy. */
  vipd: string;
}

/** Runtime packages (not dev) of a package-lock.json v2/v3, outermost first, nested ones left to their parent's copy. */
export function runtimePackages(lock: { packages?: Record<string, { dev?: boolean }> }): string[] {
  const paths = Object.entries(lock.packages ?? {})
    .filter(([p, v]) => p.startsWith('node_modules/') && v.dev !== true)
    .map(([p]) => p)
    .sort();
  return paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}/`)));
}

/** Whether every user may traverse path and each of its ancestors (the x bit for others). */
export function traversableByAll(path: string, mode: (p: string) => number = (p) => statSync(p).mode): boolean {
  let p = resolve(path);
  for (;;) {
    try {
      if ((mode(p) & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const up = dirname(p);
    if (up === p) return true;
    p = up;
  }
}

/** Copies the package once for this test; removed at t.teardown (or at exit/signal). */
export function readableInstall(t: Test): ReadableInstall {
  const parent = [tmpdir(), '/tmp', '/var/tmp', '/dev/shm'].find((d) => traversableByAll(d));
  if (!parent) throw new Error('readableInstall: no temp directory every user can traverse');
  reapStaleDirs(parent, PREFIX);
  const root = mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
  const remove = () => rmSync(root, { recursive: true, force: true });
  const unregister = onCleanup(remove);
  t.teardown(() => {
    unregister();
    remove();
  });
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { dev?: boolean }> };
  const entries = ['bin', 'package.json', 'binding.gyp', join('dist', 'src'), join('build', 'Release', 'vipd_native.node'), ...runtimePackages(lock)];
  for (const e of entries) {
    mkdirSync(dirname(join(root, e)), { recursive: true });
    cpSync(join(repoRoot, e), join(root, e), { recursive: true, filter: (src) => !src.split(sep).includes('.bin') });
  }
  openUp(root);
  return { root, vipd: join(root, 'bin', 'vipd.js') };
}

/** Directories 0755, files readable by all (a clone made under umask 077 has 0600 files). */
function openUp(p: string): void {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(p, 0o755);
    for (const name of readdirSync(p)) openUp(join(p, name));
  } else {
    chmodSync(p, (st.mode & 0o7777) | 0o444);
  }
}
