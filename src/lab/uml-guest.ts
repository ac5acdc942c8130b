// The preamble of a script that runs inside the UML kernel (src/lab/uml.ts boots it): it reports
// one JSON line per step on stdout, which the test on the host reads, and on a fatal error or its
// own time limit kills the children it started and exits 1, so a stuck guest never outlives its test.
import { execFileSync, type ChildProcess } from 'node:child_process';

export interface UmlGuest {
  /** Runs a shell command; its stdout (throws on a non-zero exit). */
  sh(cmd: string): string;
  /** One step line: {"step": step, ...data}. */
  out(step: string, data?: Record<string, unknown>): void;
  /** Reports {step: 'fatal', error}, kills the children and exits 1. */
  fail(why: string): never;
  /** Children killed on fail(). */
  children: ChildProcess[];
}

export function umlGuest(timeoutMs: number): UmlGuest {
  const children: ChildProcess[] = [];
  const out = (step: string, data: Record<string, unknown> = {}) => console.log(JSON.stringify({ step, ...data }));
  const fail = (why: string): never => {
    out('fatal', { error: why });
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  };
  setTimeout(() => fail('fixture timeout'), timeoutMs).unref();
  // Large tables (ipvsadm -Sn of 10,000s of services) exceed the default 1 MB buffer.
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { sh, out, fail, children };
}
