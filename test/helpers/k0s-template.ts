// keepalived.conf and keepalived-virtualservers-generated.conf as k0s renders them
// (pkg/component/controller/cplb/cplb_templates.go, Go text/template), with lab values: the same
// text k0s writes, comments and blank lines included. test/unit/daemon-k0s-template.test.ts
// checks it against the output of k0s's own templates (test/fixtures/k0s-template/).
//
// What k0s's templates produce, described: an instance named k0s-vip-<index> per configured
// instance, always `state BACKUP` and `priority 200`; notify_master/notify_backup calling
// `k0s keepalived-setstate` only with IPVS load balancing and exactly one instance; advert_int,
// PASS authentication, the VIPs, and unicast_src_ip/unicast_peer only with peers. Then, with IPVS,
// an include of the consumed file (one instance: a symlink flipped by the notify scripts) or of
// the generated file (several). Each template action leaves its line's indentation and newline
// behind, hence the blank and whitespace-only lines.

export interface K0sInstance {
  interface: string;
  vrid: number;
  authPass: string;
  vips: string[];
  advertInt?: number;
  unicastSrcIp?: string;
  unicastPeers?: string[];
  /** Defaults to 200, as k0s writes it on every node (other values: lab tests only). */
  priority?: number;
}

export interface K0sTemplate {
  instances: K0sInstance[];
  /** notify_master/notify_backup commands (k0s: exactly one instance with virtual servers). */
  notify?: { master: string; backup: string };
  /** Whether k0s renders virtual servers at all (decides the trailing include). */
  virtualServers: boolean;
}

/** The notify commands k0s writes for its binary and run directory. */
export function k0sNotify(k0sBin = '/usr/local/bin/k0s', runDir = '/run/k0s'): { master: string; backup: string } {
  const setState = (s: string) => `'${k0sBin}' keepalived-setstate -r '${runDir}' -s ${s}`;
  return { master: setState('MASTER'), backup: setState('BACKUP') };
}

/** One item per line of a list block, each between whitespace-only lines (the range actions). */
const listItems = (items: string[]) => `        ${items.map((v) => `\n        ${v}\n        `).join('')}\n    }\n`;

export function renderK0sKeepalived(t: K0sTemplate): string {
  const inst = (i: K0sInstance, n: number) => {
    let s = `\nvrrp_instance k0s-vip-${n} {\n`;
    s += '    # All servers must have state BACKUP so that when a new server comes up\n';
    s += "    # it doesn't perform a failover. This must be combined with the priority.\n";
    s += '    state BACKUP\n';
    s += "    # Make sure the interface is aligned with your server's network interface.\n";
    s += `    interface ${i.interface}\n`;
    s += '    # The virtual router ID must be unique to each VRRP instance that you define.\n';
    s += `    virtual_router_id ${i.vrid}\n`;
    s += "    # All servers have the same priority so that when a new one comes up we don't\n    # do a failover.\n";
    s += `    priority ${i.priority ?? 200}\n\n    `;
    if (t.notify) {
      s += '\n    # Required to prevent routing loops when we use keepalived\n';
      s += '    # virtual_servers: https://github.com/k0sproject/k0s/issues/5178\n';
      s += `    notify_master "${t.notify.master}"\n    notify_backup "${t.notify.backup}"\n    `;
    }
    s += `\n\n\t#advertisement interval, 1 second by default\n    advert_int ${i.advertInt ?? 1}\n`;
    s += `    authentication {\n        auth_type PASS\n        auth_pass ${i.authPass}\n    }\n`;
    s += `    virtual_ipaddress {\n${listItems(i.vips)}    `;
    s += i.unicastPeers?.length
      ? `\n    unicast_src_ip ${i.unicastSrcIp ?? ''}\n    unicast_peer {\n${listItems(i.unicastPeers)}    \n}\n`
      : '\n    \n}\n';
    return s;
  };
  let out = `\n\n\n\n\n${t.instances.map(inst).join('')}\n`;
  if (t.virtualServers) {
    out += t.instances.length === 1
      ? '\n\n# This include is commented by default and is only used after becoming master\n'
        + '# so that we prevent routing looops: https://github.com/k0sproject/k0s/issues/5178\n'
        + 'include keepalived-virtualservers-consumed.conf\n\n'
      : '\n\n# If there is more than one VRRP instance, we need to always have the servers list\n'
        + '# because we cannot guarantee that the masters will always be in the same host.\n'
        + 'include keepalived-virtualservers-generated.conf\n\n';
  }
  return `${out}\n`;
}

export interface K0sVirtualServer {
  ipAddress: string;
  /** As k0s prints DelayLoop.Seconds(), a Go float64 (%v): 60s -> "60", 1.5s -> "1.5". */
  delayLoop: string;
  lbAlgo?: string;
  lbKind?: string;
  persistenceTimeout?: number;
  /** k0s's API server port, the same for every virtual server; default 6443. */
  port?: number;
  /** The controllers (k0s: the same list under every virtual server). */
  realServers: string[];
}

/** keepalived-virtualservers-generated.conf as k0s renders it (nothing without real servers). */
export function renderK0sVirtualServers(servers: K0sVirtualServer[]): string {
  const vs = (v: K0sVirtualServer) => {
    const port = v.port ?? 6443;
    let s = `\nvirtual_server ${v.ipAddress} ${port} {\n    delay_loop ${v.delayLoop}\n    lb_algo ${v.lbAlgo ?? 'rr'}\n`;
    s += `    lb_kind ${v.lbKind ?? 'DR'}\n    persistence_timeout ${v.persistenceTimeout ?? 360}\n    protocol TCP\n\n    `;
    for (const rs of v.realServers) {
      s += `\n    real_server ${rs} ${port} {\n        weight 1\n        TCP_CHECK {\n`;
      s += `            warmup 0\n            retry 1\n            connect_timeout 3\n            connect_port ${port}\n        }\n    }\n    `;
    }
    return `${s}\n}\n`;
  };
  const any = servers.some((v) => v.realServers.length > 0);
  return `\n\n\n${any ? `\n${servers.map(vs).join('')}\n\n` : '\n'}`;
}
