// What the run's page says about the machine and the software: collected once per run (and the
// load again at the end). The page itself is rendered by report.ts.
import { spawnSync } from 'node:child_process';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { repoRoot } from '../../src/lab/repo-root.js';
import { which } from '../../src/lab/which.js';
import { VERSION } from '../../src/version.js';
import { FRR_DAEMONS } from '../../src/lab/frr.js';
import type { MachineInfo, Versions } from './report.js';

export function collectMachine(): MachineInfo {
  return { hostname: hostname(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, kernel: release(), memoryMb: totalmem() / 2 ** 20, loadStart: loadavg() };
}

export function finishMachine(m: MachineInfo): MachineInfo {
  return { ...m, loadEnd: loadavg() };
}

function out(cmd: string[]): string {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', cwd: repoRoot });
  return r.status === 0 || r.stdout || r.stderr ? `${r.stdout ?? ''}${r.stderr ?? ''}` : '';
}

/** The tree's commit (with -dirty when it has uncommitted changes), else the package version. */
export function vipdVersion(): string {
  const head = out(['git', 'rev-parse', '--short=12', 'HEAD']).trim();
  if (!/^[0-9a-f]{7,40}$/.test(head)) return VERSION;
  const dirty = out(['git', 'status', '--porcelain', '--untracked-files=no']).trim() !== '';
  return `${VERSION} ${head}${dirty ? '-dirty' : ''}`;
}

export function collectVersions(o: { uml?: boolean } = {}): Versions {
  const v: Versions = { vipd: vipdVersion(), node: process.version };
  if (which('keepalived')) {
    const m = /Keepalived v\S+/.exec(out(['keepalived', '--version']));
    if (m) v.keepalived = m[0];
  }
  const frr = /version (\S+)/.exec(out([FRR_DAEMONS.vrrpd, '--version']));
  if (frr) v.frr = frr[1]!;
  if (o.uml) {
    const m = /\/usr\/lib\/uml\/modules\/(\S+)/.exec(out(['sh', '-c', 'ls -d /usr/lib/uml/modules/*']));
    if (m) v.uml = m[1]!;
  }
  return v;
}
