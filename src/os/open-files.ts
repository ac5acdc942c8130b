// The process's limit on open files (RLIMIT_NOFILE's soft value; node raises it to the hard
// limit at start), read from /proc/self/limits. Health checkers size their probes-in-flight cap by it.
import { readFileSync } from 'node:fs';

/** "Max open files  4096  4096  files" -> 4096; undefined when absent or unlimited. */
export function parseMaxOpenFiles(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+)\s/m.exec(limits);
  return m ? Number(m[1]) : undefined;
}

export function openFileLimit(): number | undefined {
  try {
    return parseMaxOpenFiles(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}
