// The namespace lab, one concept per file: lan.ts (the LAN of namespaces), process.ts (run,
// stop, wait), capture.ts (tcpdump in a node) and pcap.ts (reading its files), stale.ts (what a
// SIGKILLed run left), cleanup.ts (exit/signal cleanup). No test framework here: the bench and
// the demo use it too (test/helpers/netns-lab.ts ties a lab to tap's t.teardown). This file keeps
// the names importable from one place.
export { repoRoot } from './repo-root.js';
export { childEnv, cleanNodeOptions, run, runOk, stopProcess, waitFor, isAlive, type ExecResult } from './process.js';
export { reapStaleDirs } from './stale.js';
export { createLan, type Lab, type LabNode, type LanOptions } from './lan.js';
export { capture, type Capture } from './capture.js';
export { parsePcap, type CapturedPacket } from './pcap.js';
