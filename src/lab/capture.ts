// Packet capture inside a lab node's namespace: tcpdump writing a pcap file in the lab dir,
// read back with parsePcap, optionally decoded by tshark.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './which.js';
import { exited, run, stopProcess } from './process.js';
import { parsePcap, type CapturedPacket } from './pcap.js';
import type { Lab, LabNode } from './lan.js';

export interface Capture {
  /** pcap file written by tcpdump (inside the lab dir). */
  file: string;
  /** Stops tcpdump (flushing the file) and returns the packets. */
  stop(): Promise<CapturedPacket[]>;
  /** After stop(): `tshark -r file -T json` (the array of packets), or undefined without tshark. */
  tshark(extraArgs?: string[]): Promise<unknown[] | undefined>;
}

let captureCounter = 0;

/** Runs `tcpdump -U -w` on the node's eth0 with a BPF filter; resolves once tcpdump is listening. */
export async function capture(lab: Lab, node: LabNode, filter = '', opts: { ifname?: string } = {}): Promise<Capture> {
  if (!which('tcpdump')) throw new Error('capture: tcpdump is missing (apt-get install -y tcpdump)');
  const file = join(lab.dir, `cap${captureCounter++}-${node.name}.pcap`);
  const args = ['tcpdump', '--immediate-mode', '-Z', 'root', '-U', '-n', '-i', opts.ifname ?? node.ifname, '-w', file, ...(filter ? [filter] : [])];
  const child = node.spawn(args);
  let stderr = '';
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 5000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited ${code}: ${stderr}`));
    });
  });
  let stopped: CapturedPacket[] | undefined;
  return {
    file,
    stop: async () => {
      if (stopped) return stopped;
      if (!exited(child)) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGINT'); // tcpdump flushes and closes the file on SIGINT
        await Promise.race([gone, new Promise<void>((r) => setTimeout(r, 3000).unref())]);
        await stopProcess(child);
      }
      stopped = parsePcap(readFileSync(file));
      return stopped;
    },
    tshark: async (extraArgs = []) => {
      if (!which('tshark')) return undefined;
      const r = await run(['tshark', '-r', file, '-T', 'json', ...extraArgs], { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`tshark failed: ${r.stderr}`);
      return JSON.parse(r.stdout || '[]') as unknown[];
    },
  };
}
