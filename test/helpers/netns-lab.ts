// The namespace lab (src/lab/) tied to tap: createLan(t, nodes) removes the lab in t.teardown.
// Everything else is the library's API, re-exported unchanged.
import type { Test } from 'tap';
import { createLan as createLanLib, type Lab } from '../../src/lab/lan.js';

export { repoRoot } from '../../src/lab/repo-root.js';
export { childEnv, cleanNodeOptions, run, runOk, stopProcess, waitFor, isAlive, type ExecResult } from '../../src/lab/process.js';
export { reapStaleDirs } from '../../src/lab/stale.js';
export { capture, type Capture } from '../../src/lab/capture.js';
export { parsePcap, type CapturedPacket } from '../../src/lab/pcap.js';
export type { LabNode, Lab, LanOptions } from '../../src/lab/lan.js';

/**
 * A LAN: a bridge in its own namespace, veth legs into one namespace per node; node i gets
 * 10.<x>.<y>.(10+i)/24 and fd00:<x>:<y>::(10+i)/64, lo up, DAD off. Registered for teardown on
 * t.teardown, process exit and SIGINT/SIGTERM.
 */
export async function createLan(t: Test, nodes: string[] | Array<{ name: string }>, opts: { ipv6?: boolean } = {}): Promise<Lab> {
  const lab = await createLanLib({ nodes, ...opts });
  t.teardown(lab.teardown);
  return lab;
}
