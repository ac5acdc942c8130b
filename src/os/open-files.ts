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
 * Raises the soft limit to `need` (never lowers it); when the hard limit is below, raises both to
 * `need`, and if the system refuses, the soft limit to the hard one. Throws only if the limit
 * cannot be read.
 */
export function raiseOpenFileLimit(need: number, ops: OpenFileOps = nativeOpenFiles): OpenFileRaise {
  const before = ops.get();
  if (before.soft >= need) return { before, after: before };
  if (before.hard >= need) {
    ops.set({ soft: need, hard: before.hard });
    return { before, after: ops.get() };
  }
  let error: Error | undefined;
  try {
    ops.set({ soft: need, hard: need });
  } catch (err) {
    error = err as Error;
    if (before.soft < before.hard) ops.set({ soft: before.hard, hard: before.hard });
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
