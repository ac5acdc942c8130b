// What a lab run killed with SIGKILL left behind (it had no chance to clean up): namespaces and
// temp dirs carry the creating pid in their names, so the next run removes those whose creator
// is dead.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './process.js';

/** Kills every process inside a namespace (synchronously: also usable from an exit handler). */
export function killNamespacePidsSync(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const p of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone
      }
    }
  } catch {
    // namespace gone
  }
}

/** Namespaces named `vl<pid>x<n>-...` whose creating process is dead: remove them. */
export function reapStaleLabs(): void {
  let list = '';
  try {
    list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^vl(\d+)x\d+-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    killNamespacePidsSync(name);
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // raced with someone else
    }
  }
}

/** Temp dirs named `<prefix><pid>...` whose process is dead (it was SIGKILLed): remove them. */
export function reapStaleDirs(parent: string, prefix: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)/.exec(name.slice(prefix.length))?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}
