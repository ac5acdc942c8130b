// The bench's LAN: routers r1..rN and a client on one bridge (src/lab), a UDP echo agent on every
// router, the prober on the client, and a persistent `ip -batch` in the bridge namespace so a link
// cut happens within a fraction of a millisecond of the moment the bench records for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLan, waitFor, type Lab, type LabNode } from '../../src/lab/netns-lab.js';
import { nowMs, type Gap } from './prober.js';

export const AGENT = 'dist/bench/lib/agent.js';

export interface BenchLab {
  lab: Lab;
  routers: LabNode[];
  client: LabNode;
  /** The VIP: .100 of the lab subnet. */
  vip: string;
  /** An address on the lab subnet with the given host part. */
  address(host: number): string;
  /** Pulls r's cable (bridge side link down); returns the instant the command was issued (epoch ms). */
  cut(r: LabNode): number;
  plug(r: LabNode): number;
  /** Starts the client's prober towards target; gaps arrive as they close. */
  startProbe(target: string): Promise<ProbeAgent>;
  write(name: string, text: string): string;
  teardown(): Promise<void>;
}

export interface ProbeAgent {
  gaps: Gap[];
  /** Replies so far (updated every 100 ms). */
  received(): number;
  /** Largest gap overlapping [from, to] (epoch ms); 0 when none exceeded the 1.5 ms threshold. */
  outage(from: number, to: number): number;
  stop(): Promise<void>;
}

export async function createBenchLab(nRouters: number, routerNames?: string[]): Promise<BenchLab> {
  const names = [...Array.from({ length: nRouters }, (_, i) => routerNames?.[i] ?? `r${i + 1}`), 'client'];
  const lab = await createLan({ nodes: names, ipv6: false });
  const routers = lab.nodes.slice(0, nRouters);
  const client = lab.node('client');
  const address = (host: number) => client.ipv4.replace(/\.\d+$/, `.${host}`);
  let batch: ChildProcess | undefined;
  try {
    for (const r of routers) {
      const echo = r.spawn(['node', AGENT, 'echo']);
      await new Promise<void>((resolve, reject) => {
        echo.stdout?.once('data', () => resolve());
        echo.once('exit', (c) => reject(new Error(`echo agent on ${r.name} exited ${c}`)));
      });
    }
    batch = spawn('ip', ['-n', lab.bridgeNs, '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
    batch.on('error', () => undefined);
  } catch (e) {
    await lab.teardown();
    throw e;
  }
  const linkCmd = (r: LabNode, up: boolean) => {
    const t = nowMs();
    batch!.stdin!.write(`link set ${r.bridgePort} ${up ? 'up' : 'down'}\n`);
    return t;
  };
  return {
    lab, routers, client, vip: address(100), address,
    cut: (r) => linkCmd(r, false),
    plug: (r) => linkCmd(r, true),
    write: (name, text) => {
      const p = join(lab.dir, name);
      writeFileSync(p, text);
      return p;
    },
    startProbe: async (target) => {
      const child = client.spawn(['node', AGENT, 'probe', target, '1']);
      const gaps: Gap[] = [];
      let received = 0;
      let buf = '';
      child.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const j = JSON.parse(line) as { gap?: [number, number]; stats?: { received: number } };
            if (j.gap) gaps.push({ from: j.gap[0], to: j.gap[1] });
            if (j.stats) received = j.stats.received;
          } catch {
            // partial line
          }
        }
      });
      await waitFor(() => received > 0, { timeoutMs: 10_000, message: `client replies from ${target}` });
      return {
        gaps,
        received: () => received,
        outage: (from, to) => Math.max(0, ...gaps.filter((g) => g.to > from && g.from < to).map((g) => g.to - g.from)),
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((r) => setTimeout(r, 100));
        },
      };
    },
    teardown: async () => {
      batch?.stdin?.end();
      batch?.kill();
      await lab.teardown();
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
