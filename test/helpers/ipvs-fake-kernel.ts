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

const errno: Record<string, number> = { EEXIST: 17, ESRCH: 3, ENOENT: 2, EINVAL: 22 };

export interface FakeCommand { cmd: number; attrs: Buffer; flags: number }

export class FakeIpvsKernel implements GenlLike {
  readonly family_: GenlFamily = { id: 0x1c, name: 'IPVS', version: 1, maxAttr: 6, groups: new Map() };
  readonly table = new Map<string, { service: Service; dests: Map<string, Destination> }>();
  readonly commands: FakeCommand[] = [];
  schedulers = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh']);
  /** Called before each write command; return an errno name to fail it (races, injected faults). */
  inject: ((cmd: number, key: string) => string | undefined) | undefined;

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
    return this.request(f, cmd, attrs, 0x300);
  }

  async batch(_f: GenlFamily, reqs: Array<{ cmd: number; attrs: Buffer; flags?: number }>): Promise<Array<GenlMessage[] | NetlinkError>> {
    return reqs.map((r) => this.#exec(r.cmd, r.attrs, r.flags ?? 0));
  }

  close(): void {}

  #exec(cmd: number, attrs: Buffer, flags: number): GenlMessage[] | NetlinkError {
    this.commands.push({ cmd, attrs, flags });
    const fail = (code: string) => new NetlinkError(`IPVS cmd ${cmd}`, errno[code]!);
    let svc: Service | undefined, dest: Destination | undefined;
    const d = new AttributeDecoder(attrs);
    while (d.next()) {
      if (d.type === C.IPVS_CMD_ATTR_SERVICE) d.nested((n) => { svc = unpackService(n).service; });
      else if (d.type === C.IPVS_CMD_ATTR_DEST) d.nested((n) => { dest = unpackDestination(n, svc?.family ?? 4).destination; });
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
      default:
        return fail('EINVAL');
    }
  }
}

function reply(cmd: number, type: number, fn: (e: AttributeEncoder) => void): GenlMessage {
  return { cmd, version: 1, attrs: new AttributeEncoder().nested(type, fn).encode() };
}
