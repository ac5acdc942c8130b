// The namespace lab (src/lab/netns-lab.ts) tied to tap: createLan(t, nodes) removes the lab in
// t.teardown. Everything else is the library's API, re-exported unchanged.
import type { Test } from 'tap';
import { createLan as createLanLib, type Lab } from '../../src/lab/netns-lab.js';

export {
  repoRoot, childEnv, run, runOk, stopProcess, waitFor, reapStaleDirs, isAlive, cleanNodeOptions, capture, parsePcap,
  type ExecResult, type LabNode, type Lab, type CapturedPacket, type Capture, type LanOptions,
} from '../../src/lab/netns-lab.js';

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
