// A k0s stand-in for the keepalived contract: what k0s's own code does around keepalived, step by
// step, so a test can put vipd where k0s would run keepalived and see what k0s would see.
//   - the k0s executable: a program with a zip payload appended (k0s >= 1.36, Makefile
//     `cat embedded-binaries-linux.zip >> k0s`); here the program is a shell script that does what
//     `k0s keepalived-setstate` does (cmd/keepalived/keepalived_linux.go);
//   - staging (pkg/assets/stage.go StageExecutable): re-extract the embedded keepalived into
//     <dataDir>/bin unless the staged file has its size and the k0s executable's mtime; without a
//     payload or without keepalived in it, an existing <dataDir>/bin/keepalived, else PATH;
//   - the user (internal/pkg/users LookupUID "keepalived"; root when there is none), uid only, gid 0;
//   - the CPLB component (pkg/component/controller/cplb/cplb_linux.go): keepalived.conf from k0s's
//     template (test/helpers/k0s-template.ts), with IPVS the generated virtual servers file, and on a
//     reconciler update that file rewritten and SIGHUP;
//   - the supervisor (pkg/supervisor): `--dont-fork --use-file <run>/keepalived.conf --no-syslog
//     --log-console`, cwd <dataDir>, k0s's environment (_K0S_MANAGED=yes, PATH with <dataDir>/bin
//     first, KEEPALIVED_X passed as X), its own process group, <run>/keepalived.pid; a pid file of a
//     k0s-managed process still running is SIGTERMed first; respawn 5 s after an exit; stop is
//     SIGTERM and 5 s of waiting (k0s does not SIGKILL).
// Left out: dummyvip0 (k0s's own netlink calls, not keepalived's contract; the host kernel has no
// dummy links) and k0s's own userspace proxy and iptables rule (k0s's, not keepalived's).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, type BigIntStats, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { once } from 'node:events';
import type { LabNode } from '../../src/lab/lan.js';
import { onCleanup } from '../../src/lab/cleanup.js';
import { parsePasswd } from '../../src/health/passwd.js';
import { jsonLines, type JsonLines } from './json-lines.js';
import { renderK0sKeepalived, renderK0sVirtualServers, k0sNotify, type K0sInstance } from './k0s-template.js';
import { zipEntries, zipPayload } from './zip-payload.js';
import { sleep } from './sleep.js';

/** `k0s keepalived-setstate -r RUNDIR -s MASTER|BACKUP`, as k0s does it: re-point the symlink, SIGHUP keepalived. */
const SETSTATE = `#!/bin/sh
# A k0s stand-in (test/helpers/k0s-supervisor.ts): only "keepalived-setstate", as k0s does it.
# A zip payload follows the exit below, as it follows the program in a k0s executable.
set -eu
[ "\${1:-}" = keepalived-setstate ] || { echo "fake k0s: only keepalived-setstate" >&2; exit 2; }
shift
while getopts r:s: o; do case $o in r) rundir=$OPTARG ;; s) state=$OPTARG ;; *) exit 2 ;; esac; done
[ -d "$rundir" ] || { echo "run-dir $rundir is invalid" >&2; exit 1; }
case $state in
  MASTER) src=$rundir/keepalived-virtualservers-generated.conf ;;
  BACKUP) src=/dev/null ;;
  *) echo "invalid state $state, expected MASTER or BACKUP" >&2; exit 1 ;;
esac
rm -f "$rundir/keepalived-virtualservers-consumed.conf"
ln -s "$src" "$rundir/keepalived-virtualservers-consumed.conf"
kill -HUP "$(cat "$rundir/keepalived.pid")"
exit 0
`;

/**
 * Writes a k0s executable: the setstate script, then a zip of `payload` (none: a "bare" k0s, as
 * built with EMBEDDED_BINS_BUILDMODE=none). Its mtime is a whole second, so the staged copies'
 * mtimes (set from it) compare exactly, as Go compares them.
 */
export function writeFakeK0s(path: string, payload: Array<{ name: string; data: Buffer }> | undefined, mtimeSec = Math.floor(Date.now() / 1000)): void {
  writeFileSync(path, payload ? Buffer.concat([Buffer.from(SETSTATE), zipPayload(payload)]) : SETSTATE, { mode: 0o755 });
  chmodSync(path, 0o755);
  utimesSync(path, mtimeSec, mtimeSec);
}

export interface Staged {
  path: string;
  how: 'extracted' | 'reused' | 'existing file' | 'PATH';
}

/** k0s's assets.StageExecutable(binDir, name) for the k0s executable `k0s`, with k0s's PATH. */
export function stageExecutable(k0s: string, binDir: string, name: string, pathEnv: string): Staged {
  const path = join(binDir, name);
  const self = statSync(k0s, { bigint: true });
  const entry = zipEntries(readFileSync(k0s))?.find((e) => e.name === name);
  if (entry) {
    let current: BigIntStats | undefined;
    try {
      current = statSync(path, { bigint: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (current && current.mtimeNs === self.mtimeNs && current.size === BigInt(entry.size)) return { path, how: 'reused' };
    // file.AtomicWithTarget: a temporary file in the same directory renamed over the target
    // (a symlink there is replaced, not followed), mode 0750, the k0s executable's mtime.
    const tmp = join(binDir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, entry.read(), { mode: 0o750 });
    chmodSync(tmp, 0o750);
    execFileSync('touch', ['-m', '-r', k0s, tmp]); // nanoseconds, like os.Chtimes
    renameSync(tmp, path);
    return { path, how: 'extracted' };
  }
  // Not embedded: an existing file (os.Stat follows a symlink), else exec.LookPath.
  try {
    if (!statSync(path).isDirectory()) return { path, how: 'existing file' };
  } catch { /* not there */ }
  for (const dir of pathEnv.split(delimiter)) {
    const p = join(dir || '.', name);
    try {
      if (statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0) return { path: p, how: 'PATH' };
    } catch { /* next */ }
  }
  throw new Error(`${name}: not embedded, ${path} missing and not found in PATH`);
}

/** users.LookupUID: the uid of `name` in a passwd file, undefined when there is none (k0s then runs it as root). */
export function lookupUid(name: string, passwdFile = '/etc/passwd'): number | undefined {
  try {
    return parsePasswd(readFileSync(passwdFile, 'utf8')).find((e) => e.name === name)?.uid;
  } catch {
    return undefined;
  }
}

/** supervisor.getEnv(dataDir, component, false). */
export function supervisorEnv(base: NodeJS.ProcessEnv, dataDir: string, component: string): Record<string, string> {
  const prefix = `${component.toUpperCase()}_`;
  const env: Record<string, string> = {};
  const entries = Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined);
  // The component's own variables win over the plain ones they override.
  for (const [k, v] of entries) if (!k.startsWith(prefix)) env[k] = v;
  for (const [k, v] of entries) if (k.startsWith(prefix)) env[k.slice(prefix.length)] = v;
  if (env.PATH !== undefined) env.PATH = `${join(dataDir, 'bin')}${delimiter}${env.PATH}`;
  return { _K0S_MANAGED: 'yes', ...env };
}

export interface CplbSpec {
  instances: K0sInstance[];
  /** spec.network.controlPlaneLoadBalancing.keepalived.virtualServers; none: k0s's userspace proxy (keepalived does VRRP only). */
  virtualServers?: Array<{ ipAddress: string; delayLoop?: string }>;
  apiPort?: number;
}

/** One process the supervisor started. */
export interface KeepalivedRun {
  pid: number;
  log: JsonLines;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  done: boolean;
}

export interface FakeK0sOptions {
  node: LabNode;
  /** The k0s executable (writeFakeK0s). */
  k0s: string;
  dataDir: string;
  runDir: string;
  spec: CplbSpec;
  /** Where "keepalived" is looked up (default /etc/passwd). */
  passwd?: string;
  /** k0s's environment (default ours). */
  env?: NodeJS.ProcessEnv;
  /** k0s's supervisor waits 5 s after an exit; tests may not want to wait longer. */
  respawnMs?: number;
}

const TIMEOUT_STOP_MS = 5000;

/** k0s's cplb.Keepalived with its supervisor, for one controller (a lab node). */
export class FakeK0sCplb {
  readonly runs: KeepalivedRun[] = [];
  binPath: string | undefined;
  uid: number | undefined;
  readonly #o: FakeK0sOptions;
  #stopping = false;
  #supervising: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(o: FakeK0sOptions) {
    this.#o = o;
  }

  get conf(): string {
    return join(this.#o.runDir, 'keepalived.conf');
  }

  get generated(): string {
    return join(this.#o.runDir, 'keepalived-virtualservers-generated.conf');
  }

  get consumed(): string {
    return join(this.#o.runDir, 'keepalived-virtualservers-consumed.conf');
  }

  get pidFile(): string {
    return join(this.#o.runDir, 'keepalived.pid');
  }

  current(): KeepalivedRun | undefined {
    const r = this.runs.at(-1);
    return r && !r.done ? r : undefined;
  }

  /** Init: the keepalived user, then staging. */
  init(): Staged {
    const { dataDir, runDir, k0s } = this.#o;
    mkdirSync(join(dataDir, 'bin'), { recursive: true });
    mkdirSync(runDir, { recursive: true });
    this.uid = lookupUid('keepalived', this.#o.passwd);
    const staged = stageExecutable(k0s, join(dataDir, 'bin'), 'keepalived', this.#o.env?.PATH ?? process.env.PATH ?? '');
    this.binPath = staged.path;
    return staged;
  }

  /** Start: the templates, then Supervise. */
  async start(): Promise<void> {
    if (!this.binPath) this.init();
    const { spec, runDir, k0s } = this.#o;
    const ipvs = (spec.virtualServers?.length ?? 0) > 0;
    writeFileSync(this.conf, renderK0sKeepalived({
      instances: spec.instances,
      ...(ipvs && spec.instances.length === 1 ? { notify: k0sNotify(k0s, runDir) } : {}),
      virtualServers: ipvs,
    }), { mode: 0o400 });
    this.#own(this.conf);
    if (ipvs) this.#writeVirtualServers([]);
    await this.#cleanupPidFile();
    this.#stopping = false;
    this.#spawn();
    this.#supervising = this.#supervise();
  }

  /** The cplb-reconciler's update with IPVS: the generated file rewritten, keepalived SIGHUPed. */
  setRealServers(ips: string[]): void {
    this.#writeVirtualServers(ips);
    const r = this.current();
    if (r) process.kill(r.pid, 'SIGHUP');
  }

  /** supervisor.Stop: SIGTERM, then up to 5 s for the process to exit. */
  async stop(): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }> {
    this.#stopping = true;
    this.#wake?.();
    const r = this.current();
    const t0 = Date.now();
    if (!r) {
      await this.#supervising;
      return { ms: 0, code: null, signal: null, timedOut: false };
    }
    process.kill(r.pid, 'SIGTERM');
    const res = await Promise.race([r.exited, sleep(TIMEOUT_STOP_MS).then(() => undefined)]);
    await this.#supervising;
    return { ms: Date.now() - t0, code: res?.code ?? null, signal: res?.signal ?? null, timedOut: res === undefined };
  }

  /** k0s itself dies (kill -9 of the k0s process): keepalived keeps running, the pid file stays. */
  abandon(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  #writeVirtualServers(ips: string[]): void {
    const { spec } = this.#o;
    writeFileSync(this.generated, renderK0sVirtualServers((spec.virtualServers ?? []).map((v) => ({
      ipAddress: v.ipAddress, delayLoop: v.delayLoop ?? '60', port: spec.apiPort ?? 6443, realServers: ips,
    }))), { mode: 0o400 });
    this.#own(this.generated);
  }

  /** generateTemplate: file.AtomicWithTarget(...).WithOwner(uid), so the keepalived user can read it. */
  #own(path: string): void {
    if (this.uid !== undefined) chownSync(path, this.uid, 0);
  }

  /** maybeCleanupPIDFile: a k0s-managed process (same executable, _K0S_MANAGED=yes) from the pid file is SIGTERMed and awaited. */
  async #cleanupPidFile(): Promise<void> {
    if (!existsSync(this.pidFile)) return;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    let cmdline: string[];
    let environ: string[];
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    } catch {
      return; // no such process
    }
    if (cmdline[0] !== this.binPath || !environ.includes('_K0S_MANAGED=yes')) return;
    process.kill(pid, 'SIGTERM');
    const end = Date.now() + TIMEOUT_STOP_MS;
    while (existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readStatus(pid)) && Date.now() < end) await sleep(25);
  }

  #spawn(): void {
    const { node, dataDir } = this.#o;
    // k0s has no flag for the status socket: each vipd gets its own /run/vipd (a tmpfs in the
    // mount namespace `ip netns exec` made for it), so the controllers' default sockets do not collide.
    mkdirSync('/run/vipd', { recursive: true });
    const asUser = this.uid !== undefined && this.uid !== 0 ? ['setpriv', `--reuid=${this.uid}`, '--regid=0', '--clear-groups', '--'] : [];
    const args = ['--dont-fork', '--use-file', this.conf, '--no-syslog', '--log-console'];
    const child = spawn('ip', ['netns', 'exec', node.ns, 'sh', '-c', 'mount -t tmpfs -o mode=0755 tmpfs /run/vipd && exec "$@"', 'sh',
      ...asUser, this.binPath!, ...args], {
      cwd: dataDir, env: supervisorEnv(this.#o.env ?? process.env, dataDir, 'keepalived'), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    child.on('error', () => undefined);
    const pid = child.pid!;
    const unregister = onCleanup(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } });
    const run: KeepalivedRun = {
      pid, log: jsonLines(child), done: false,
      exited: once(child, 'exit').then(([code, signal]) => {
        run.done = true;
        unregister();
        return { code: code as number | null, signal: signal as NodeJS.Signals | null };
      }),
    };
    writeFileSync(this.pidFile, `${pid}\n`);
    this.runs.push(run);
  }

  /** The supervisor loop: after an exit that was not a stop, respawn after TimeoutRespawn. */
  async #supervise(): Promise<void> {
    for (;;) {
      const r = this.runs.at(-1)!;
      const stopped = new Promise<'stop'>((w) => { this.#wake = () => w('stop'); });
      if ((await Promise.race([r.exited.then(() => 'exit' as const), stopped])) === 'stop' || this.#stopping) return;
      if ((await Promise.race([sleep(this.#o.respawnMs ?? 5000).then(() => 'slept' as const), stopped])) === 'stop' || this.#stopping) return;
      this.#spawn();
    }
  }
}

function readStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}
