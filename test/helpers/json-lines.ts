// Reads the JSON lines a fixture process prints (one object per line) and lets a test wait for
// the first one matching a predicate.
import type { ChildProcess } from 'node:child_process';

export interface JsonLines {
  /** Every parsed line so far. */
  readonly lines: Array<Record<string, unknown>>;
  /** Everything the process wrote to stderr (for failure messages). */
  readonly stderr: () => string;
  /** Resolves with the first line (past or future) matching pred; rejects on timeout or exit. */
  next(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function jsonLines(child: ChildProcess): JsonLines {
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let buf = '';
  let err = '';
  let exited = false;
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
    }
    wake();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.on('exit', () => {
    exited = true;
    wake();
  });
  return {
    lines,
    stderr: () => err,
    next(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const check = () => {
          const hit = lines.find(pred);
          if (hit) {
            done();
            resolve(hit);
          } else if (exited) {
            done();
            reject(new Error(`process exited (code ${child.exitCode}) before a matching line; stderr: ${err.trim()}; lines: ${JSON.stringify(lines).slice(0, 2000)}`));
          }
        };
        const done = () => {
          waiters.delete(check);
          if (timer) clearTimeout(timer);
        };
        timer = setTimeout(() => {
          done();
          reject(new Error(`no matching line within ${timeoutMs} ms; stderr: ${err.trim()}; lines: ${JSON.stringify(lines).slice(0, 2000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
