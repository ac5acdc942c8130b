// Linux keeps scheduling policy and CPU affinity per thread; a Node process has several (the
// JS thread, V8's platform workers, libuv's pool). To act on the process, act on each of them.
import { readdirSync } from 'node:fs';

/** Thread ids of this process (/proc/self/task). */
export function threadIds(): number[] {
  return readdirSync('/proc/self/task').map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * Calls fn for every thread of the process: the calling thread first (tid 0 in the syscalls),
 * so a refusal (EPERM) comes before anything changed, then each listed thread (the calling one
 * again: harmless), then threads that appeared meanwhile. A thread that exits in between (ESRCH)
 * is skipped; any other failure is thrown at once.
 */
export function forEachThread(fn: (tid: number) => void): void {
  fn(0);
  const done = new Set<number>();
  for (let pass = 0; pass < 4; pass++) {
    const fresh = threadIds().filter((t) => !done.has(t));
    if (fresh.length === 0) return;
    for (const tid of fresh) {
      done.add(tid);
      try {
        fn(tid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
  }
}
