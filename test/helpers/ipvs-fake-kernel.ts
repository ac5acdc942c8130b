// An in-memory IPVS table behind the GenlLike interface IpvsClient uses (like genltest's
// ServeFamily): it decodes the client's commands with the real codecs and answers the way
// the 6.1 kernel does (EEXIST, ESRCH, ENOENT for unknown schedulers and destinations, EINVAL for
// non-unicast destinations). Records every command so tests can count and inspect them.
import { AttributeDecoder, AttributeEncoder } from '../../src/netif/netlink/attributes.js';
import { NetlinkError } from '../../src/netif/netlink/errors.js';
import type { GenlFamily, GenlMessage } from '../../src/netif/genetlink.js';
import type { GenlLike } from '../../src/ipvs/client.js';
import * as C from '../../src/ipvs/constants.js';
import { packService, serviceKey, unpackService, type Service } from '../../src/ipvs/service.js';
import { destinationKey, packDestination, unpackDestination, type Destination } from '../../src/ipvs/destination.js';
import { packSyncDaemon, unpackSyncDaemon, type SyncDaemon } from '../../src/ipvs/sync-daemon.js';

const errno: Record<string, number> = { EEXIST: 17, ESRCH: 3, ENOENT: 2, EINVAL: 22, ENODEV: 19 };

export interface FakeCommand { cmd: number; attrs: Buffer; flags: number }

export class FakeIpvsKernel implements GenlLike {
  readonly family_: GenlFamily = { id: 0x1c, name: 'IPVS', version: 1, maxAttr: 6, groups: new Map() };
  readonly table = new Map<string, { service: Service; dests: Map<string, Destination> }>();
  readonly commands: FakeCommand[] = [];
  schedulers = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh']);
  /** Running sync daemons by state (NEW_DAEMON / DEL_DAEMON / GET_DAEMON). */
  readonly daemons = new Map<string, SyncDaemon>();
  /** Interfaces a sync daemon may use (others: ENODEV, as the kernel). */
  interfaces = new Set(['eth0']);
  /** IPVS connection timeouts (GET_CONFIG / SET_CONFIG; 0 in a SET leaves a value). */
  timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  /** Called before each write command; return an errno name to fail it (races, injected faults). */
  inject: ((cmd: number, key: string) => string | undefined) | undefined;
  /** While set, a dump reads the table at once and answers only when this settles (a slow dump). */
  holdDumps: Promise<void> | undefined;

  async family(name: string): Promise<GenlFamily> {
    if (name !== 'IPVS') throw new NetlinkError('CTRL_CMD_GETFAMILY', errno.ENOENT!);
    return this.family_;
  }

  /** Write commands only (NEW/SET/DEL). */
  get writes(): FakeCommand[] {
    return this.commands.filter((c) => [C.IPVS_CMD_NEW_SERVICE, C.IPVS_CMD_SET_SERVICE, C.IPVS_CMD_DEL_SERVICE,
      C.IPVS_CMD_NEW_DEST, C.IPVS_CMD_SET_DEST, C.IPVS_CMD_DEL_DEST].includes(c.cmd));
  }

  async request(_f: GenlFamily, cmd: number, attrs: Buffer, flags = 0): Promise<GenlMessage[]> {
    const r = this.#exec(cmd, attrs, flags);
    if (r instanceof NetlinkError) throw r;
    return r;
  }

  async dump(f: GenlFamily, cmd: number, attrs: Buffer = Buffer.alloc(0)): Promise<GenlMessage[]> {
    const answer = this.request(f, cmd, attrs, 0x300);
    if (this.holdDumps) await this.holdDumps;
    return answer;
  }

  async batch(_f: GenlFamily, reqs: Array<{ cmd: number; attrs: Buffer; flags?: number }>): Promise<Array<GenlMessage[] | NetlinkError>> {
    return reqs.map((r) => this.#exec(r.cmd, r.attrs, r.flags ?? 0));
  }

  close(): void {}

  #exec(cmd: number, attrs: Buffer, flags: number): GenlMessage[] | NetlinkError {
    this.commands.push({ cmd, attrs, flags });
    const fail = (code: string) => new NetlinkError(`IPVS cmd ${cmd}`, errno[code]!);
    let svc: Service | undefined, dest: Destination | undefined, daemon: SyncDaemon | undefined, daemonState: number | undefined;
    const tmo: Record<string, number> = {};
    const d = new AttributeDecoder(attrs);
    while (d.next()) {
      if (d.type === C.IPVS_CMD_ATTR_SERVICE) d.nested((n) => { svc = unpackService(n).service; });
      else if (d.type === C.IPVS_CMD_ATTR_DEST) d.nested((n) => { dest = unpackDestination(n, svc?.family ?? 4).destination; });
      else if (d.type === C.IPVS_CMD_ATTR_DAEMON) {
        d.nested((n) => {
          try { daemon = unpackSyncDaemon(n); } catch { /* DEL_DAEMON: only the state counts */ }
        });
        // The state alone (DEL_DAEMON), read again without the codec's checks.
        const again = new AttributeDecoder(attrs);
        while (again.next()) if (again.type === C.IPVS_CMD_ATTR_DAEMON) again.nested((n) => { while (n.next()) if (n.type === C.IPVS_DAEMON_ATTR_STATE) daemonState = n.uint32(); });
      } else if (d.type === C.IPVS_CMD_ATTR_TIMEOUT_TCP) tmo.tcp = d.uint32();
      else if (d.type === C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN) tmo.tcpFin = d.uint32();
      else if (d.type === C.IPVS_CMD_ATTR_TIMEOUT_UDP) tmo.udp = d.uint32();
    }
    const key = svc ? serviceKey(svc) : '';
    const entry = this.table.get(key);
    const injected = this.inject?.(cmd, dest ? `${key} -> ${destinationKey(dest)}` : key);
    if (injected) return fail(injected);
    switch (cmd) {
      case C.IPVS_CMD_NEW_SERVICE:
        if (entry) return fail('EEXIST');
        if (!this.schedulers.has(svc!.scheduler)) return fail('ENOENT');
        this.table.set(key, { service: { ...svc!, flags: { ...svc!.flags, hashed: true } }, dests: new Map() });
        return [];
      case C.IPVS_CMD_SET_SERVICE:
        if (!entry) return fail('ESRCH');
        if (!this.schedulers.has(svc!.scheduler)) return fail('ENOENT');
        entry.service = { ...svc!, flags: { ...svc!.flags, hashed: true } };
        return [];
      case C.IPVS_CMD_DEL_SERVICE:
        if (!entry) return fail('ESRCH');
        this.table.delete(key);
        return [];
      case C.IPVS_CMD_GET_SERVICE:
        if (flags & 0x300) return [...this.table.values()].map((e) => reply(C.IPVS_CMD_NEW_SERVICE, C.IPVS_CMD_ATTR_SERVICE, (n) => packService(n, e.service)));
        if (!entry) return fail('ESRCH');
        return [reply(C.IPVS_CMD_NEW_SERVICE, C.IPVS_CMD_ATTR_SERVICE, (n) => packService(n, entry.service))];
      case C.IPVS_CMD_GET_DEST:
        if (!entry) return fail('ESRCH');
        return [...entry.dests.values()].map((x) => reply(C.IPVS_CMD_NEW_DEST, C.IPVS_CMD_ATTR_DEST, (n) => packDestination(n, x)));
      case C.IPVS_CMD_NEW_DEST: {
        if (!entry) return fail('ESRCH');
        const dk = destinationKey(dest!);
        if (entry.dests.has(dk)) return fail('EEXIST');
        const first = Number(dest!.address.split('.')[0]);
        if (dest!.family === 4 && (first >= 224 || first === 0)) return fail('EINVAL');
        entry.dests.set(dk, dest!);
        return [];
      }
      case C.IPVS_CMD_SET_DEST: {
        if (!entry) return fail('ESRCH');
        const dk = destinationKey(dest!);
        if (!entry.dests.has(dk)) return fail('ENOENT');
        entry.dests.set(dk, dest!);
        return [];
      }
      case C.IPVS_CMD_DEL_DEST: {
        if (!entry) return fail('ESRCH');
        const dk = destinationKey(dest!);
        if (!entry.dests.delete(dk)) return fail('ENOENT');
        return [];
      }
      case C.IPVS_CMD_NEW_DAEMON: {
        if (!daemon || !daemon.interface) return fail('EINVAL');
        if (this.daemons.has(daemon.state)) return fail('EEXIST');
        if (!this.interfaces.has(daemon.interface)) return fail('ENODEV');
        this.daemons.set(daemon.state, daemon);
        return [];
      }
      case C.IPVS_CMD_DEL_DAEMON: {
        const state = daemonState === C.IP_VS_STATE_MASTER ? 'master' : daemonState === C.IP_VS_STATE_BACKUP ? 'backup' : undefined;
        if (!state) return fail('EINVAL');
        if (!this.daemons.delete(state)) return fail('ESRCH');
        return [];
      }
      case C.IPVS_CMD_GET_DAEMON:
        if (!(flags & 0x300)) return fail('EINVAL');
        return [...this.daemons.values()].map((x) => reply(C.IPVS_CMD_NEW_DAEMON, C.IPVS_CMD_ATTR_DAEMON, (n) => packSyncDaemon(n, x)));
      case C.IPVS_CMD_GET_CONFIG: {
        const e = new AttributeEncoder().uint32(C.IPVS_CMD_ATTR_TIMEOUT_TCP, this.timeouts.tcp)
          .uint32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, this.timeouts.tcpFin).uint32(C.IPVS_CMD_ATTR_TIMEOUT_UDP, this.timeouts.udp);
        return [{ cmd: C.IPVS_CMD_SET_CONFIG, version: 1, attrs: e.encode() }];
      }
      case C.IPVS_CMD_SET_CONFIG:
        for (const k of ['tcp', 'tcpFin', 'udp'] as const) if (tmo[k]) this.timeouts[k] = tmo[k]!;
        return [];
      default:
        return fail('EINVAL');
    }
  }
}

function reply(cmd: number, type: number, fn: (e: AttributeEncoder) => void): GenlMessage {
  return { cmd, version: 1, attrs: new AttributeEncoder().nested(type, fn).encode() };
}
