// Shared pieces of the daemon tests: k0s's keepalived.conf template rendered with lab values (the
// same text k0s writes, comments and blank lines included: test/unit/daemon-k0s-template.test.ts
// checks it against the config fixtures), and vipd started the way k0s starts keepalived.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor, type LabNode } from './netns-lab.js';
import { jsonLines, type JsonLines } from './json-lines.js';

export interface K0sInstance {
  interface: string;
  vrid: number;
  authPass: string;
  vips: string[];
  advertInt?: number;
  unicastSrcIp?: string;
  unicastPeers?: string[];
  /** Defaults to 200, as k0s writes it on every node. */
  priority?: number;
}

export interface K0sTemplate {
  instances: K0sInstance[];
  /** notify_master/notify_backup commands (k0s: exactly one instance with virtual servers). */
  notify?: { master: string; backup: string };
  /** Whether k0s renders virtual servers at all (decides the trailing include). */
  virtualServers: boolean;
}

const INSTANCE_HEAD = `    # All servers must have state BACKUP so that when a new server comes up
    # it doesn't perform a failover. This must be combined with the priority.
    state BACKUP
    # Make sure the interface is aligned with your server's network interface.
`;

/** keepalived.conf as k0s renders it (pkg/component/controller/cplb/cplb_unix.go's template). */
export function renderK0sKeepalived(t: K0sTemplate): string {
  const inst = (i: K0sInstance, n: number) => {
    let s = `vrrp_instance k0s-vip-${n} {\n${INSTANCE_HEAD}`;
    s += `    interface ${i.interface}\n`;
    s += '    # The virtual router ID must be unique to each VRRP instance that you define.\n';
    s += `    virtual_router_id ${i.vrid}\n`;
    s += "    # All servers have the same priority so that when a new one comes up we don't\n    # do a failover.\n";
    s += `    priority ${i.priority ?? 200}\n\n    \n`;
    if (t.notify) {
      s += '    # Required to prevent routing loops when we use keepalived\n';
      s += '    # virtual_servers: https://github.com/k0sproject/k0s/issues/5178\n';
      s += `    notify_master "${t.notify.master}"\n    notify_backup "${t.notify.backup}"\n    \n`;
    }
    s += `\n\t#advertisement interval, 1 second by default\n    advert_int ${i.advertInt ?? 1}\n`;
    s += `    authentication {\n        auth_type PASS\n        auth_pass ${i.authPass}\n    }\n`;
    s += '    virtual_ipaddress {\n';
    for (const v of i.vips) s += `        \n        ${v}\n`;
    s += '        \n    }\n    \n';
    if (i.unicastSrcIp) {
      s += `    unicast_src_ip ${i.unicastSrcIp}\n    unicast_peer {\n`;
      for (const p of i.unicastPeers ?? []) s += `        \n        ${p}\n`;
      s += '        \n    }\n';
    }
    s += '    \n}\n';
    return s;
  };
  let out = `\n\n\n${t.instances.map(inst).join('\n')}\n\n`;
  if (!t.virtualServers) return out;
  {
    if (t.instances.length === 1) {
      out += '\n# This include is commented by default and is only used after becoming master\n';
      out += '# so that we prevent routing looops: https://github.com/k0sproject/k0s/issues/5178\n';
      out += 'include keepalived-virtualservers-consumed.conf\n';
    } else {
      out += '\n# If there is more than one VRRP instance, we need to always have the servers list\n';
      out += '# because we cannot guarantee that the masters will always be in the same host.\n';
      out += 'include keepalived-virtualservers-generated.conf\n';
    }
  }
  return `${out}\n\n`;
}

export interface K0sVirtualServer {
  ipAddress: string;
  /** As k0s prints a Go float64 of seconds (%g): 60 -> "60", 1.5 -> "1.5", sometimes "6e+01". */
  delayLoop: string;
  lbAlgo?: string;
  lbKind?: string;
  persistenceTimeout?: number;
  port?: number;
  realServers: string[];
}

/** keepalived-virtualservers-generated.conf as k0s renders it. */
export function renderK0sVirtualServers(servers: K0sVirtualServer[]): string {
  const vs = (v: K0sVirtualServer) => {
    const port = v.port ?? 6443;
    let s = `virtual_server ${v.ipAddress} ${port} {\n    delay_loop ${v.delayLoop}\n    lb_algo ${v.lbAlgo ?? 'rr'}\n`;
    s += `    lb_kind ${v.lbKind ?? 'DR'}\n    persistence_timeout ${v.persistenceTimeout ?? 360}\n    protocol TCP\n\n`;
    for (const rs of v.realServers) {
      s += `    \n    real_server ${rs} ${port} {\n        weight 1\n        TCP_CHECK {\n`;
      s += `            warmup 0\n            retry 1\n            connect_timeout 3\n            connect_port ${port}\n        }\n    }\n`;
    }
    return `${s}    \n}\n`;
  };
  return `\n\n\n\n${servers.map(vs).join('\n')}\n\n`;
}

export const VIPD = 'bin/vipd.js';

/** keepalived's command line as k0s runs it. */
export function k0sFlags(conf: string): string[] {
  return ['--dont-fork', '--use-file', conf, '--no-syslog', '--log-console'];
}

export interface VipdProc {
  node: LabNode;
  child: ChildProcess;
  /** pino JSON log lines. */
  log: JsonLines;
  statusSocket: string;
  /** "previous -> state" changes logged so far (of one instance, or all). */
  transitions(instance?: string): Array<{ instance: string; state: string; previous: string; reason: string }>;
  waitState(state: string, timeoutMs?: number, instance?: string): Promise<Record<string, unknown>>;
  waitLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends a signal to vipd itself (not `ip netns exec`): the process group leader is ip, which execs... */
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node bin/vipd.js <args>` (or `command <args>`, e.g. a packaged vipd) in the node's
 * namespace. `ip netns exec` execs the command, so the child pid is vipd itself and signals reach
 * it directly.
 */
export function startVipd(node: LabNode, args: string[], opts: {
  statusSocket: string; env?: Record<string, string>; prefix?: string[]; command?: string[]; cwd?: string;
}): VipdProc {
  const command = opts.command ?? ['node', VIPD];
  const child = node.spawn([...(opts.prefix ?? []), ...command, ...args, '--status-socket', opts.statusSocket],
    { ...(opts.env ? { env: opts.env } : {}), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  const log = jsonLines(child);
  const isState = (l: Record<string, unknown>, instance?: string) =>
    typeof l.state === 'string' && typeof l.previous === 'string' && (instance === undefined || l.instance === instance);
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return {
    node, child, log, statusSocket: opts.statusSocket,
    transitions: (instance) => log.lines.filter((l) => isState(l, instance))
      .map((l) => ({ instance: String(l.instance), state: String(l.state), previous: String(l.previous), reason: String(l.reason) })),
    waitState: (state, timeoutMs = 8000, instance) => log.next((l) => isState(l, instance) && l.state === state, timeoutMs),
    waitLog: (pred, timeoutMs = 5000) => log.next(pred, timeoutMs),
    signal: (sig) => { if (child.pid !== undefined) process.kill(child.pid, sig); },
    exited: () => exit,
  };
}

/** Addresses on a node's eth0 (or another device), as `ip -j` prints them. */
export async function addressesOf(n: LabNode, dev = 'eth0'): Promise<string[]> {
  const r = await n.exec(['ip', '-j', 'addr', 'show', 'dev', dev]);
  if (r.code !== 0) return [];
  const j = JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  return (j[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

export async function hasAddress(n: LabNode, address: string, dev = 'eth0'): Promise<boolean> {
  return (await addressesOf(n, dev)).some((a) => a.startsWith(`${address}/`));
}

/** Names of the nodes holding `vip`. */
export async function vipHolders(nodes: LabNode[], vip: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of nodes) if (await hasAddress(n, vip)) out.push(n.name);
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The master once the election has settled. With equal priorities (k0s's setup) two backups whose
 * timers expire together are both master for up to an advert interval, until the higher address
 * wins (RFC 5798 6.4.3): the master is whoever holds the VIP alone and keeps holding it.
 */
export async function settledMaster(procs: VipdProc[], nodes: LabNode[], vip: string, timeoutMs = 15_000): Promise<VipdProc> {
  await Promise.any(procs.map((p) => p.waitState('master', timeoutMs)));
  const stableHolder = async () => {
    const first = await vipHolders(nodes, vip);
    if (first.length !== 1) return undefined;
    await sleep(1500);
    const again = await vipHolders(nodes, vip);
    return again.length === 1 && again[0] === first[0] ? first[0] : undefined;
  };
  const holder = await waitFor(stableHolder, { timeoutMs: 8000, intervalMs: 100, message: 'one stable VIP holder' });
  return procs.find((p) => p.node.name === holder)!;
}
