// A network namespace that merely has links with the names a config uses (eth0, eth1, ...: veth
// pairs, plus macvlans for names like eth0.1; the host kernel has no dummy links), for config
// tests (`vipd -t`, `keepalived -t`) that check interfaces exist. Removed at t.teardown and, at
// the latest, at process exit.
import { execFileSync } from 'node:child_process';
import type { Test } from 'tap';
import { onCleanup } from '../../src/lab/cleanup.js';
import { cleanNodeOptions, run, type ExecResult } from './netns-lab.js';

let counter = 0;

export interface LinksNetns {
  name: string;
  /** Runs a command in the namespace (never rejects for a non-zero exit). */
  exec(cmd: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
}

/** `links`: names of veth ends (taken in pairs) and of macvlans `PARENT.N` on an earlier link. */
export async function linksNetns(t: Test, links: string[]): Promise<LinksNetns> {
  const name = `vipd-links-${process.pid}-${counter++}`;
  const remove = () => {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  const unregister = onCleanup(remove);
  t.teardown(() => {
    remove();
    unregister();
  });
  const lines = ['link set lo up'];
  const plain = links.filter((l) => !/\.\d+$/.test(l));
  for (let i = 0; i < plain.length; i += 2) {
    const a = plain[i]!;
    const b = plain[i + 1] ?? `${a}-peer`;
    lines.push(`link add ${a} type veth peer name ${b}`, `link set ${a} up`, `link set ${b} up`);
  }
  for (const l of links.filter((x) => /\.\d+$/.test(x))) lines.push(`link add link ${l.replace(/\.\d+$/, '')} name ${l} type macvlan`, `link set ${l} up`);
  await run(['ip', 'netns', 'add', name]).then((r) => {
    if (r.code !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
  });
  const r = await run(['ip', '-n', name, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  if (r.code !== 0) throw new Error(`links in ${name}: ${r.stderr}`);
  return {
    name,
    exec: (cmd, opts = {}) => run(['ip', 'netns', 'exec', name, ...cleanNodeOptions(), ...cmd], { timeoutMs: opts.timeoutMs ?? 20_000 }),
  };
}
