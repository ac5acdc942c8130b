// What a test needs from the machine (root, commands, the UML kernel). Outside CI a missing need
// skips the test with the reason; under CI=true it FAILS, so a broken runner can never pass green.
import { existsSync } from 'node:fs';
import type { Test } from 'tap';
import { which } from '../../src/lab/which.js';

export { which };

export interface Needs {
  root?: boolean;
  commands?: string[];
  uml?: boolean;
  /** Files and the Debian package that installs each. */
  files?: Array<{ path: string; package: string }>;
}

/** Debian package that provides a command, for the install hint. */
const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2', bridge: 'iproute2', tc: 'iproute2',
  tcpdump: 'tcpdump', tshark: 'tshark', arping: 'arping', ndisc6: 'ndisc6',
  ipvsadm: 'ipvsadm', keepalived: 'keepalived', 'linux.uml': 'user-mode-linux',
  nft: 'nftables', zip: 'zip', unzip: 'unzip', setcap: 'libcap2-bin', openssl: 'openssl', modprobe: 'kmod', depmod: 'kmod', setpriv: 'util-linux', sysctl: 'procps', ping: 'iputils-ping',
};

export const UML_KERNEL = '/usr/bin/linux.uml';
export const UML_MODULES = '/usr/lib/uml/modules';

/** Human-readable list of what is missing; empty when everything is present. */
export function missingNeeds(needs: Needs): string[] {
  const missing: string[] = [];
  if (needs.root && process.getuid?.() !== 0) {
    missing.push('root (run the tests as root: they create network namespaces and raw sockets)');
  }
  for (const cmd of needs.commands ?? []) {
    if (!which(cmd)) {
      const pkg = PACKAGE_OF[cmd];
      missing.push(`command "${cmd}" (${pkg ? `apt-get install -y ${pkg}` : 'install it'})`);
    }
  }
  for (const f of needs.files ?? []) {
    if (!existsSync(f.path)) missing.push(`${f.path} (apt-get install -y ${f.package})`);
  }
  if (needs.uml) {
    if (!existsSync(UML_KERNEL)) missing.push(`${UML_KERNEL} (apt-get install -y user-mode-linux)`);
    else if (!existsSync(UML_MODULES)) missing.push(`${UML_MODULES} (apt-get install -y user-mode-linux)`);
    for (const cmd of ['depmod', 'modprobe']) {
      if (!which(cmd)) missing.push(`command "${cmd}" for the UML kernel (apt-get install -y kmod)`);
    }
  }
  return missing;
}

/**
 * Root, commands and kernel features a test needs. Missing: under CI=true fail(t) with a clear
 * message; else a skip (plan(0)) with the reason. Returns true when all present.
 * Use at the top of a test: `if (!requireEnv(t, { root: true, commands: ['ip'] })) return;`
 */
export function requireEnv(t: Test, needs: Needs): boolean {
  const missing = missingNeeds(needs);
  if (missing.length === 0) return true;
  const reason = `missing: ${missing.join('; ')}`;
  if (isCi()) {
    t.fail(`this test cannot run (CI=true, so it fails instead of skipping): ${reason}`);
  } else {
    t.plan(0, `skipped, ${reason}`);
  }
  return false;
}

export function isCi(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}
