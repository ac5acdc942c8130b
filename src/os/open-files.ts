// The process's limit on open files (RLIMIT_NOFILE). Node raises the soft limit to the hard one
// at start; each health checker's probe holds a socket (or a child's pipes), so with tens of
// thousands of checkers vipd raises the limit to what they need, as keepalived does: the hard
// limit too when it is below (that needs CAP_SYS_RESOURCE, and at most fs.nr_open).
import { readFileSync } from 'node:fs';
import { nativeAddon } from '../netif/native.js';

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** getrlimit / setrlimit of RLIMIT_NOFILE (injected in tests). */
export interface OpenFileOps {
  get(): OpenFileLimit;
  set(limit: OpenFileLimit): void;
}

export const nativeOpenFiles: OpenFileOps = {
  get: () => {
    const [soft, hard] = nativeAddon().getOpenFileLimit();
    return { soft, hard };
  },
  set: (l) => nativeAddon().setOpenFileLimit(l.soft, l.hard),
};

export interface OpenFileRaise {
  before: OpenFileLimit;
  after: OpenFileLimit;
  /** Why the hard limit could not be raised to `need` (EPERM without CAP_SYS_RESOURCE). */
  error?: Error;
}

/**
 * What to ask setrlimit for, in order, to have `need` open files (pure): nothing when the soft
 * limit is enough (it is never lowered); the soft limit up to `need` when the hard one allows;
 * else both to `need` (CAP_SYS_RESOURCE), and if that is refused, the soft limit to the hard one.
 */
export function openFileTargets(need: number, current: OpenFileLimit): OpenFileLimit[] {
  if (current.soft >= need) return [];
  if (current.hard >= need) return [{ soft: need, hard: current.hard }];
  return [{ soft: need, hard: need }, ...(current.soft < current.hard ? [{ soft: current.hard, hard: current.hard }] : [])];
}

/**
 * Applies openFileTargets: the first one the system accepts. Throws only if the limit cannot be
 * read; `error` is why the first (the hard limit raised) was refused.
 */
export function raiseOpenFileLimit(need: number, ops: OpenFileOps = nativeOpenFiles): OpenFileRaise {
  const before = ops.get();
  const targets = openFileTargets(need, before);
  if (targets.length === 0) return { before, after: before };
  let error: Error | undefined;
  for (const target of targets) {
    try {
      ops.set(target);
      break;
    } catch (err) {
      error ??= err as Error;
    }
  }
  return { before, after: ops.get(), ...(error ? { error } : {}) };
}

/** "Max open files  4096  4096  files" -> 4096; undefined when absent or unlimited. */
export function parseMaxOpenFiles(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+)\s/m.exec(limits);
  return m ? Number(m[1]) : undefined;
}

/** The soft limit, from /proc/self/limits (no addon needed). */
export function openFileLimit(): number | undefined {
  try {
    return parseMaxOpenFiles(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}
