// FRR's vrrpd as a VRRPv3 peer in a lab namespace (see ../shared/notes/frr-vrrpd.md): per router
// a macvlan named vrrp4-<ifindex>-<vrid> with the virtual MAC and the virtual addresses, then
// zebra and vrrpd in the foreground with their own path space (-N) and logs on stdout. vrrpd
// never adds or removes the address: it holds the macvlan in protodown while backup. FRR has no
// authentication, no unicast and no VRRPv2-only mode here: the bench runs it with version 3.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';
import type { LabNode } from './lan.js';
import { runOk, stopProcess, waitFor } from './process.js';

export const FRR_DAEMONS = { zebra: '/usr/lib/frr/zebra', vrrpd: '/usr/lib/frr/vrrpd' } as const;
const FRR_RUN = '/var/run/frr';

export function frrInstalled(): boolean {
  return existsSync(FRR_DAEMONS.zebra) && existsSync(FRR_DAEMONS.vrrpd);
}

export interface FrrVrrpInstance {
  vrid: number;
  priority: number;
  /** Advertisement interval, ms (a multiple of 10). */
  advertMs: number;
  /** IPv4 virtual addresses with their prefix, e.g. 10.1.2.100/24. */
  vips: string[];
  preempt?: boolean;
}

/** The virtual router MAC of RFC 5798 7.3: 00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID). */
export function virtualMac(vrid: number, family: 4 | 6 = 4): string {
  return `00:00:5e:00:0${family === 4 ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

/** The macvlan vrrpd looks for: vrrp4-<parent ifindex>-<vrid>. */
export function macvlanName(parentIfindex: number, vrid: number, family: 4 | 6 = 4): string {
  return `vrrp${family}-${parentIfindex}-${vrid}`;
}

/** vrrpd's configuration for the instances on one interface. */
export function renderFrrVrrpConf(iface: string, instances: FrrVrrpInstance[]): string {
  const lines = [`interface ${iface}`];
  for (const i of instances) {
    if (i.advertMs % 10 !== 0 || i.advertMs < 10) throw new Error(`FRR: advertisement-interval ${i.advertMs} ms is not a multiple of 10 ms`);
    lines.push(
      ` vrrp ${i.vrid} version 3`,
      ` vrrp ${i.vrid} priority ${i.priority}`,
      ` vrrp ${i.vrid} advertisement-interval ${i.advertMs}`,
      ...(i.preempt === false ? [` no vrrp ${i.vrid} preempt`] : []),
      ...i.vips.map((v) => ` vrrp ${i.vrid} ip ${v.split('/')[0]}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** vrrpd's state-change log line: "[VRID 51] [IPv4] Backup -> Master". */
const STATE_LINE = /\[VRID (\d+)\] \[IPv([46])\] (Initialize|Backup|Master) -> (Initialize|Backup|Master)/;

export function parseFrrStateLine(line: string): { vrid: number; family: 4 | 6; from: string; to: string } | undefined {
  const m = STATE_LINE.exec(line);
  if (!m) return undefined;
  const name = (s: string) => (s === 'Initialize' ? 'init' : s.toLowerCase());
  return { vrid: Number(m[1]), family: m[2] === '6' ? 6 : 4, from: name(m[3]!), to: name(m[4]!) };
}

export interface FrrRouter {
  node: LabNode;
  /** The path space (-N): /var/run/frr/<pathspace> holds the configs, pid files and sockets. */
  dir: string;
  zebra: ChildProcess;
  /** The current vrrpd, once started. */
  vrrpd: ChildProcess | undefined;
  /** Starts vrrpd (first, or again after stopVrrpd). */
  startVrrpd(): ChildProcess;
  /** SIGTERM to vrrpd: a master sends priority-0 adverts. */
  stopVrrpd(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Prepares the node (macvlans with the virtual MAC and addresses, ARP answered only on the
 * interface holding the address) and starts zebra in its namespace; vrrpd starts with
 * router.startVrrpd() (the caller reads its log lines).
 */
export async function startFrr(node: LabNode, instances: FrrVrrpInstance[]): Promise<FrrRouter> {
  if (!frrInstalled()) throw new Error('FRR is not installed (apt-get install -y frr)');
  const space = node.ns;
  const dir = join(FRR_RUN, space);
  mkdirSync(dir, { recursive: true });
  const unregister = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const frr = await frrIds();
  chownSync(dir, frr.uid, frr.gid);
  // vrrpd holds a backup's macvlan in protodown, but the address on it stays local: without
  // arp_ignore=1 eth0 would answer ARP for the VIP on a backup too.
  await runOk(['ip', 'netns', 'exec', node.ns, 'sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
  for (const i of instances) {
    const name = macvlanName(node.ifindex, i.vrid);
    const cmds = [
      `link add ${name} link ${node.ifname} type macvlan mode bridge`,
      // addrgenmode in the add command fails with EAFNOSUPPORT on these kernels.
      `link set ${name} addrgenmode random`,
      `link set ${name} address ${virtualMac(i.vrid)}`,
      ...i.vips.map((v) => `address add ${v} dev ${name}`),
      `link set ${name} up`,
    ];
    await runOk(['ip', '-n', node.ns, '-batch', '-'], { input: `${cmds.join('\n')}\n` });
  }
  const zebraConf = join(dir, 'zebra.conf');
  const vrrpConf = join(dir, 'vrrpd.conf');
  writeFileSync(zebraConf, '');
  writeFileSync(vrrpConf, renderFrrVrrpConf(node.ifname, instances));
  for (const f of [zebraConf, vrrpConf]) chownSync(f, frr.uid, frr.gid);
  const daemon = (bin: string, conf: string, pid: string) => node.spawn([bin, '-N', space, '-u', 'frr', '-g', 'frr', '-f', conf, '-i', join(dir, pid), '--log', 'stdout', '--log-level', 'info']);
  const zebra = daemon(FRR_DAEMONS.zebra, zebraConf, 'zebra.pid');
  try {
    await waitFor(() => existsSync(join(dir, 'zserv.api')) || zebra.exitCode !== null, { timeoutMs: 10_000, message: `zebra's socket in ${dir}` });
    if (zebra.exitCode !== null) throw new Error(`zebra on ${node.name} exited ${zebra.exitCode}`);
  } catch (e) {
    await stopProcess(zebra);
    unregister();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const router: FrrRouter = {
    node, dir, zebra, vrrpd: undefined,
    startVrrpd: () => (router.vrrpd = daemon(FRR_DAEMONS.vrrpd, vrrpConf, 'vrrpd.pid')),
    stopVrrpd: async () => {
      if (router.vrrpd) await stopProcess(router.vrrpd, 5000);
    },
    /** Stops both daemons and takes the node back to how it was (no macvlans, ARP defaults). */
    stop: async () => {
      await router.stopVrrpd();
      await stopProcess(zebra, 5000);
      unregister();
      rmSync(dir, { recursive: true, force: true });
      const del = instances.map((i) => `link del ${macvlanName(node.ifindex, i.vrid)}`);
      await runOk(['ip', '-n', node.ns, '-force', '-batch', '-'], { input: `${del.join('\n')}\n` }).catch(() => undefined);
      await runOk(['ip', 'netns', 'exec', node.ns, 'sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=0', 'net.ipv4.conf.all.arp_announce=0']).catch(() => undefined);
    },
  };
  return router;
}

async function frrIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([runOk(['id', '-u', 'frr']), runOk(['id', '-g', 'frr'])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
