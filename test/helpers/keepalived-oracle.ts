// keepalived 2.2.7 as a black box for "does it run this config?": `keepalived -n -l -D -f F` in a
// namespace that has the links the config names. keepalived refuses a config by exiting (its
// child logs "exited with permanent error CONFIG"); a config it takes keeps it running. `-t` is
// no help here: it exits 5 for mere warnings too. The host kernel has no IPVS, so a config whose
// virtual servers survive parsing makes the checker child exit on "Can't initialize ipvs": that
// counts as running (the config was taken).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface OracleCase {
  id: string;
  /** Config text (written to a file of its own), or `file`: an existing config. */
  text?: string;
  file?: string;
}

export interface OracleResult {
  id: string;
  refuses: boolean;
  /** keepalived's messages about the config (timestamps and start-up chatter left out). */
  messages: string[];
}

/** How long keepalived must stay up after "Startup complete" to count as running. */
const SETTLE_MS = 1000;
/** A keepalived still up after this counts as running even without "Startup complete". */
const MAX_MS = 15_000;

const CHATTER = /^(Starting|Running on|Command line|Opening file|Configuration file|NOTICE: setting config option max_auto|Registering|Starting (VRRP|Healthcheck) child|Assigned address|Startup complete|VRRP sockpool|Stopping|Stopped|CPU usage|Activating BFD|Initializing ipvs|modprobe:|\s)/;

function messagesOf(log: string, dir: string): string[] {
  return log
    .split('\n')
    .map((l) => l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, '').replaceAll(`${dir}/`, ''))
    .filter((l) => l !== '' && !CHATTER.test(l));
}

/** Runs one config; `netns`: a namespace name (linksNetns). */
export function runKeepalived(netns: string, c: OracleCase): Promise<OracleResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vipd-oracle-'));
  const file = c.file ?? path.join(dir, 'keepalived.conf');
  if (c.text !== undefined) writeFileSync(file, c.text);
  const pid = (n: string) => path.join(dir, n);
  const child = spawn('ip', ['netns', 'exec', netns, 'keepalived', '-n', '-l', '-D', '-f', file, '-p', pid('k.pid'), '-r', pid('v.pid'), '-c', pid('c.pid'), '-b', pid('b.pid')], {
    cwd: path.dirname(file),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let running = false;
  // Running: keepalived got as far as "Startup complete" (its children parsed the config) and stays
  // up a moment longer; a refused config makes it exit before (on a loaded machine: later).
  let settle: NodeJS.Timeout | undefined;
  const stop = () => {
    running = true;
    child.kill('SIGTERM');
  };
  const onData = (d: Buffer) => {
    log += d.toString();
    if (!settle && /Startup complete/.test(log)) settle = setTimeout(stop, SETTLE_MS);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(stop, MAX_MS);
    // keepalived stops within a second of SIGTERM; make sure it is gone even if it does not.
    const hard = setTimeout(() => child.kill('SIGKILL'), MAX_MS + 5000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      clearTimeout(hard);
      if (settle) clearTimeout(settle);
      rmSync(dir, { recursive: true, force: true });
      const ipvsOnly = /Can't initialize ipvs/.test(log);
      const refuses = /permanent error CONFIG/.test(log) || (!running && !ipvsOnly);
      resolve({ id: c.id, refuses, messages: messagesOf(log, path.dirname(file)) });
    });
  });
}

/** Runs every case, `parallel` at a time (keepalived is mostly asleep: dozens at once are fine). */
export async function runAll(netns: string, cases: OracleCase[], parallel = 40): Promise<OracleResult[]> {
  const out: OracleResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      out.push(await runKeepalived(netns, c));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, cases.length) }, worker));
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
