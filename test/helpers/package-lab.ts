// Shared pieces of the packaging tests: vipd packaged once per test file into a scratch directory,
// and a PATH of chosen commands only (a controller with Node but no toolchain, or without Node).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { childEnv, repoRoot, run, type ExecResult, type Lab, type LabNode } from './netns-lab.js';
import { which } from './require.js';
import { renderK0sKeepalived } from './daemon-lab.js';

/** What a shell script and vipd's notify scripts may use on any controller. */
export const COREUTILS = [
  'sh', 'env', 'cat', 'ls', 'cp', 'mv', 'rm', 'ln', 'mkdir', 'rmdir', 'chmod', 'readlink', 'realpath', 'dirname', 'basename',
  'uname', 'id', 'true', 'false', 'echo', 'printf', 'sleep', 'test', 'touch', 'head', 'tail', 'tr', 'cut', 'sort', 'wc', 'date',
];

/** A toolchain an npm install could fall back on: none of these may be found. */
export const TOOLCHAIN = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3', 'python'];

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A scratch directory removed when the test file ends. */
export function scratchDir(t: Test, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vipd-test-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A directory of symlinks to `commands` (absolute paths of this machine's ones): a PATH of just those. */
export function pathOf(dir: string, commands: string[]): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const c of commands) {
    const p = which(c);
    if (!p) throw new Error(`pathOf: command "${c}" is missing on this machine`);
    symlinkSync(p, join(bin, c));
  }
  return bin;
}

/** The caller's environment without npm's own variables (npm test exports npm_config_node_gyp and more). */
export function envWithoutNpm(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = childEnv();
  for (const k of Object.keys(env)) {
    if (/^(npm_|NPM_|INIT_CWD$|NODE$|PYTHON$|CC$|CXX$|MAKE$)/.test(k)) delete env[k];
  }
  return { ...env, ...extra };
}

/** The names of TOOLCHAIN commands that `sh` finds on `path`. */
export async function toolchainOn(path: string): Promise<string[]> {
  const r = await run(['/bin/sh', '-c', `for c in ${TOOLCHAIN.join(' ')}; do command -v "$c" >/dev/null && echo "$c"; done; true`],
    { env: { PATH: path } });
  return r.stdout.split('\n').filter(Boolean);
}

/** Runs a command, failing with its output when it exits non-zero. */
export async function runOrThrow(cmd: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  const r = await run(cmd, { timeoutMs: 600_000, ...opts });
  if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** `npm run package` (scripts/package.sh) into `out`; `--no-deb` for the executable alone. */
export async function packageVipd(out: string, opts: { deb: boolean }): Promise<void> {
  await runOrThrow(['bash', join(repoRoot, 'scripts/package.sh'), ...(opts.deb ? [] : ['--no-deb']), out], { cwd: repoRoot });
}

/** k0s's single-instance keepalived.conf for one lab node (VIP .200 of the lab's /24), in `dir`. */
export function k0sConfigFor(lab: Lab, dir: string, vrid = 51): { conf: string; vip: string } {
  const vip = lab.nodes[0]!.ipv4.replace(/\.\d+$/, '.200');
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, renderK0sKeepalived({
    instances: [{ interface: 'eth0', vrid, authPass: 'Example1', vips: [`${vip}/24`] }],
    virtualServers: false,
  }));
  return { conf, vip };
}

export type { LabNode };
