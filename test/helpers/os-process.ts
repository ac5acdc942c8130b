// Runs test/fixtures/os-process.ts in a child (optionally under prlimit/setpriv to take a
// capability away) and parses its one JSON line.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { childEnv, repoRoot } from './netns-lab.js';

const run = promisify(execFile);

export async function osProcess(args: string[], wrap: string[] = []): Promise<{ result: Record<string, unknown>; code: number; stderr: string }> {
  const cmd = [...wrap, process.execPath, `${repoRoot}/dist/test/fixtures/os-process.js`, ...args];
  try {
    const r = await run(cmd[0]!, cmd.slice(1), { env: childEnv(), timeout: 30_000 });
    return { result: JSON.parse(r.stdout) as Record<string, unknown>, code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    let result: Record<string, unknown> = {};
    try {
      result = JSON.parse(e.stdout ?? '') as Record<string, unknown>;
    } catch {
      // no JSON: the child crashed
    }
    return { result, code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? String(err) };
  }
}
