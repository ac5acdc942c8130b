// Runs a compiled test script inside Debian's user-mode-linux kernel: a real Linux 6.1 with IPVS,
// dummy, veth, macvlan and bridge, which the host kernel lacks. UML is an ordinary host process
// that uses the host root fs (hostfs) as its own, so node and the repo are there as they are.
// src/lab/uml-init.sh is PID 1 inside; results come back through files in a host temp dir.
// No test framework here: the tests (test/helpers/uml.ts) and the bench (`vipd bench ipvs`) use it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onCleanup } from './cleanup.js';
import { repoRoot } from './repo-root.js';
import { reapStaleDirs } from './stale.js';

export const UML_KERNEL = '/usr/bin/linux.uml';

export interface UmlResult {
  /** Exit status of `node <script>`; 124 when the run timed out, 125 when it never reported. */
  code: number;
  /** Its combined stdout/stderr. */
  output: string;
  /** Modules of the standard set that did not load (a scheduler may be missing from a kernel build). */
  missingModules: string[];
  /** From spawning linux.uml to init starting, and to modules loaded / lo up (ms). */
  bootMs: number;
  readyMs: number;
  /** Whole run, spawn to UML exit (ms). */
  totalMs: number;
  /** Module loading / setup messages of the init script. */
  initLog: string;
  /** Kernel console (tail), for diagnosing a failed boot. */
  console: string;
  timedOut: boolean;
  /** Host temp dir of this run (removed); it appears as vipd_dir=<runDir> in the UML command line. */
  runDir: string;
}

export const UML_INIT = join(repoRoot, 'src', 'lab', 'uml-init.sh');

export class UmlError extends Error {}

const XSTATE_PRELOAD_SOURCE = join(repoRoot, 'src', 'lab', 'uml-xstate-preload.c');

/**
 * The LD_PRELOAD that lets linux.uml 6.1 run on hosts with AMX (see uml-xstate-preload.c), built
 * with the C compiler the addon needs, once per source version, into build/.
 */
export function umlXstatePreload(): string {
  const source = readFileSync(XSTATE_PRELOAD_SOURCE);
  const tag = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const out = join(repoRoot, 'build', `uml-xstate-preload-${tag}.so`);
  if (existsSync(out)) return out;
  mkdirSync(join(repoRoot, 'build'), { recursive: true });
  const partial = `${out}.${process.pid}`;
  try {
    execFileSync('cc', ['-O2', '-shared', '-fPIC', '-o', partial, XSTATE_PRELOAD_SOURCE, '-ldl'], { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new UmlError(`runInUml: cannot build ${XSTATE_PRELOAD_SOURCE} (cc): ${stderr || (err as Error).message}`);
  }
  renameSync(partial, out); // atomic: parallel test files may build it at once
  return out;
}

/** Single-quoted for sh. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Environment variables passed into the UML run (the kernel gives init a minimal env). */
const PASSED_ENV = ['CI', 'DEBUG', 'VIPD_DEBUG'];

/**
 * Boots Debian's user-mode-linux kernel with the host root fs, loads ip_vs (+ all schedulers),
 * dummy, veth, macvlan, bridge; runs `node <script> ...args` (cwd = repo root) as a child of its
 * init; returns the exit code and combined stdout/stderr. script: path of a compiled JS file
 * (dist/...), absolute or relative to the repo root.
 */
export async function runInUml(
  script: string,
  opts: {
    args?: string[];
    timeoutMs?: number;
    memMb?: number;
    env?: Record<string, string>;
    /** Called with new output of the script while it runs (polled every 250 ms): progress for long runs. */
    onOutput?: (text: string) => void;
  } = {},
): Promise<UmlResult> {
  if (!existsSync(UML_KERNEL)) {
    throw new UmlError(`runInUml: ${UML_KERNEL} is missing (apt-get install -y user-mode-linux kmod)`);
  }
  if (!existsSync(UML_INIT)) throw new UmlError(`runInUml: init script ${UML_INIT} is missing`);
  const scriptPath = resolve(repoRoot, script);
  if (!existsSync(scriptPath)) throw new UmlError(`runInUml: script ${scriptPath} does not exist (run tsc first?)`);
  const timeoutMs = opts.timeoutMs ?? 90_000;

  // Not under /tmp or /run: the init script mounts tmpfs there, hiding host files.
  reapStaleDirs('/var/tmp', 'vipd-uml-');
  const dir = mkdtempSync(`/var/tmp/vipd-uml-${process.pid}-`);
  const env: Record<string, string> = {};
  for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  Object.assign(env, opts.env);
  const cmd = [
    `cd ${shq(repoRoot)} || exit 126`,
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shq(v)}`),
    `exec node ${[scriptPath, ...(opts.args ?? [])].map(shq).join(' ')}`,
  ].join('\n');
  writeFileSync(join(dir, 'cmd.sh'), `${cmd}\n`);

  const preload = umlXstatePreload();
  const started = Date.now();
  let child: ChildProcess | undefined;
  const kill = () => {
    if (child?.pid !== undefined) killTree(child.pid);
  };
  const unregister = onCleanup(() => {
    kill();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    child = spawn(UML_KERNEL, [
      `mem=${opts.memMb ?? 512}M`, 'root=/dev/root', 'rootfstype=hostfs', 'rootflags=/', 'rw',
      `init=${UML_INIT}`, `vipd_dir=${dir}`, `vipd_repo=${repoRoot}`, 'quiet', 'con=null', 'con0=null,fd:1',
    ], {
      cwd: dir,
      // UML backs its "physical memory" with a file in TMPDIR; the host /dev/shm is a tmpfs.
      // HOME: UML keeps its umid directory (~/.uml) there.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        TMPDIR: existsSync('/dev/shm') ? '/dev/shm' : dir,
        LD_PRELOAD: preload,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so the helpers die with it
    });
    let consoleText = '';
    const keep = (d: Buffer) => {
      consoleText = (consoleText + d.toString()).slice(-16_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);

    let timedOut = false;
    const exitedPromise = new Promise<void>((r, reject) => {
      child!.once('exit', () => r());
      child!.once('error', reject);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    let seen = 0;
    const poll = () => {
      if (!opts.onOutput) return;
      try {
        const text = readFileSync(join(dir, 'output'));
        if (text.length > seen) {
          const fresh = text.subarray(seen).toString();
          seen = text.length;
          opts.onOutput(fresh);
        }
      } catch {
        // not created yet
      }
    };
    const poller = opts.onOutput ? setInterval(poll, 250) : undefined;
    try {
      await exitedPromise;
    } finally {
      clearTimeout(timer);
      if (poller) clearInterval(poller);
      poll();
      kill(); // helper processes outliving the kernel process
    }
    const totalMs = Date.now() - started;
    const read = (f: string) => {
      try {
        return readFileSync(join(dir, f), 'utf8');
      } catch {
        return undefined;
      }
    };
    const stamp = (f: string) => {
      const v = read(f)?.trim();
      return v ? Math.round(Number(BigInt(v) / 1_000_000n) - started) : -1;
    };
    const status = read('status');
    return {
      code: timedOut ? 124 : status !== undefined ? Number(status.trim()) : 125,
      output: read('output') ?? '',
      missingModules: (read('missing-modules') ?? '').trim().split(/\s+/).filter(Boolean),
      bootMs: stamp('booted'),
      readyMs: stamp('ready'),
      totalMs,
      initLog: read('init.log') ?? '',
      console: consoleText,
      timedOut,
      runDir: dir,
    };
  } finally {
    kill();
    unregister();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SIGKILL to a process, its process group and every descendant (UML forks host helpers). */
function killTree(pid: number): void {
  for (let round = 0; round < 3; round++) {
    const pids = [pid, ...descendants(pid)];
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // group gone
    }
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (pids.length === 1 && !alive(pid)) return;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** All descendants of pid, from /proc/<p>/stat parent links. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid ...": comm may contain spaces and parens, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift()!;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}
