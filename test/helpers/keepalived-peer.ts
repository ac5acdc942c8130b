// keepalived 2.4.3 (the version k0s bundles, the first with auth_hmac) as a black-box peer. Debian 12
// ships 2.2.7, so the shared peers script builds 2.4.3 from its public source into /opt/keepalived-2.4.3
// (about 2 minutes, idempotent). This finds the script, builds on demand (one build at a time, under a
// lock), and runs keepalived in lab namespaces. Under CI=true a missing script or a failed build fails
// the test with the reason; elsewhere the test is skipped (require.ts conventions).
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Test } from 'tap';
import { repoRoot, run, type Lab, type LabNode } from './netns-lab.js';
import { isCi, requireEnv } from './require.js';

export const KEEPALIVED_243_PREFIX = process.env.VIPD_KEEPALIVED_243_PREFIX ?? '/opt/keepalived-2.4.3';
export const KEEPALIVED_243 = join(KEEPALIVED_243_PREFIX, 'sbin', 'keepalived');
const SCRIPT = 'build-keepalived-2.4.3.sh';
const BUILD_TIMEOUT_MS = 15 * 60_000;

/** Where the peers script may be, in order: $VIPD_PEERS_DIR, <repo>/../shared/peers, /work/shared/peers. */
export function peersScriptCandidates(env: NodeJS.ProcessEnv = process.env, repo = repoRoot): string[] {
  const dirs = [env.VIPD_PEERS_DIR, resolve(repo, '..', 'shared', 'peers'), '/work/shared/peers'].filter((d): d is string => !!d);
  return [...new Set(dirs.map((d) => join(d, SCRIPT)))];
}

export function findPeersScript(env: NodeJS.ProcessEnv = process.env, repo = repoRoot): string | undefined {
  return peersScriptCandidates(env, repo).find((p) => existsSync(p));
}

/** The version line of a keepalived binary ("Keepalived v2.4.3 (07/20,2026)"), or undefined. */
export async function keepalivedVersion(bin: string): Promise<string | undefined> {
  if (!existsSync(bin)) return undefined;
  const r = await run([bin, '--version'], { timeoutMs: 10_000 });
  return /Keepalived v[\d.]+[^\n]*/.exec(r.stdout + r.stderr)?.[0];
}

let building: Promise<string> | undefined;

/**
 * The keepalived 2.4.3 binary, built first if needed. Rejects with a message that says what is missing.
 * The script's exit status is not trusted (its `| head -1` can end it with SIGPIPE after a good build):
 * success is the binary answering with its version.
 */
export function ensureKeepalived243(): Promise<string> {
  building ??= (async () => {
    if ((await keepalivedVersion(KEEPALIVED_243))?.startsWith('Keepalived v2.4.3')) return KEEPALIVED_243;
    const script = findPeersScript();
    if (!script) {
      throw new Error(`keepalived 2.4.3 is not built (${KEEPALIVED_243}) and ${SCRIPT} is not in any of: ${peersScriptCandidates().join(', ')} (set VIPD_PEERS_DIR)`);
    }
    // flock: tests running in parallel share one build.
    const r = await run(['flock', '/tmp/vipd-keepalived-243-build.lock', 'bash', script, KEEPALIVED_243_PREFIX], { timeoutMs: BUILD_TIMEOUT_MS });
    const version = await keepalivedVersion(KEEPALIVED_243);
    if (!version?.startsWith('Keepalived v2.4.3')) {
      throw new Error(`building keepalived 2.4.3 with ${script} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
    }
    return KEEPALIVED_243;
  })();
  building.catch(() => { building = undefined; });
  return building;
}

/**
 * For the top of a test: root, ip, and keepalived 2.4.3 (built on demand). Returns the binary, or
 * undefined after failing (CI=true) or skipping the test with the reason.
 */
export async function requireKeepalived243(t: Test, commands: string[] = ['ip']): Promise<string | undefined> {
  if (!requireEnv(t, { root: true, commands: ['flock', ...commands] })) return undefined;
  try {
    return await ensureKeepalived243();
  } catch (err) {
    const reason = (err as Error).message;
    if (isCi()) t.fail(`this test cannot run (CI=true, so it fails instead of skipping): ${reason}`);
    else t.plan(0, `skipped, ${reason}`);
    return undefined;
  }
}

export interface KeepalivedProc {
  readonly child: ReturnType<LabNode['spawn']>;
  readonly conf: string;
  /** Everything keepalived logged (stdout + stderr). */
  log(): string;
}

/** Runs `keepalived -n -l -D --vrrp` with `conf` in a lab node; stopped at lab teardown. */
export function startKeepalived(bin: string, lab: Lab, node: LabNode, conf: string, tag: string): KeepalivedProc {
  const file = join(lab.dir, `keepalived-${tag}.conf`);
  writeFileSync(file, conf);
  const child = node.spawn([bin, '-n', '-l', '-D', '-f', file, '--vrrp',
    '-p', join(lab.dir, `keepalived-${tag}.pid`), '-r', join(lab.dir, `keepalived-vrrp-${tag}.pid`)]);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  return { child, conf: file, log: () => log };
}

export interface KaInstance {
  name: string;
  vrid: number;
  priority: number;
  version: 2 | 3;
  /** VIP with prefix, e.g. 10.1.2.100/24 or fd00:1::100/64. */
  vip: string;
  /** Unicast: our source and the peers. */
  unicast?: { src: string; peers: string[] };
  advertInt?: number;
  /** Lines inside `auth_hmac { }`; no block when undefined. */
  authHmac?: string[];
}

/** keepalived.conf text for the instances (one global_defs, GARP kept quiet). */
export function keepalivedConf(instances: KaInstance[], globalLines: string[] = []): string {
  const out = ['global_defs {', '  vrrp_garp_master_delay 0', '  vrrp_garp_master_repeat 1', ...globalLines.map((l) => `  ${l}`), '}'];
  for (const i of instances) {
    out.push(
      `vrrp_instance ${i.name} {`, '  state BACKUP', '  interface eth0', `  version ${i.version}`,
      `  virtual_router_id ${i.vrid}`, `  priority ${i.priority}`, `  advert_int ${i.advertInt ?? 1}`,
      ...(i.unicast ? [`  unicast_src_ip ${i.unicast.src}`, '  unicast_peer {', ...i.unicast.peers.map((p) => `    ${p}`), '  }'] : []),
      ...(i.authHmac ? ['  auth_hmac {', ...i.authHmac.map((l) => `    ${l}`), '  }'] : []),
      '  virtual_ipaddress {', `    ${i.vip} dev eth0`, '  }',
      '}',
    );
  }
  return `${out.join('\n')}\n`;
}
