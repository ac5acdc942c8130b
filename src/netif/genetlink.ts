// Generic netlink (<linux/genetlink.h>): the 4-byte genlmsghdr, family resolution through the
// "nlctrl" controller (CTRL_CMD_GETFAMILY), and request/dump/batch helpers. IPVS is one family.
import { DecodeError } from '../errors.js';
import { AttributeDecoder, AttributeEncoder } from './netlink/attributes.js';
import { NetlinkConn, type NetlinkConnOptions, type NetlinkRequest } from './netlink/conn.js';
import { NLM_F_DUMP } from './netlink/constants.js';
import { NetlinkError } from './netlink/errors.js';
import type { NetlinkMessage } from './netlink/message.js';
import type { NetlinkTransport } from './netlink/transport.js';
import { NETLINK_GENERIC } from './constants.js';

export const GENL_HDRLEN = 4;
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_GETFAMILY = 3;
/** genlmsghdr.version in requests to nlctrl: genl(8) sends 0 and the controller does not check it. */
export const CTRL_VERSION = 0;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_OPS = 6;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  maxAttr: number;
  /** Multicast group name -> group id (for NetlinkConn.joinGroup). */
  groups: Map<string, number>;
}

export interface GenlMessage {
  cmd: number;
  version: number;
  /** Attributes after the genl header (and after any family header, which the caller reads). */
  attrs: Buffer;
}

/** struct genlmsghdr { u8 cmd; u8 version; u16 reserved } + attributes. */
export function encodeGenl(cmd: number, version: number, attrs: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(GENL_HDRLEN + attrs.length);
  b.writeUInt8(cmd, 0);
  b.writeUInt8(version, 1);
  attrs.copy(b, GENL_HDRLEN);
  return b;
}

export function decodeGenl(m: NetlinkMessage): GenlMessage {
  if (m.data.length < GENL_HDRLEN) {
    throw new DecodeError(`generic netlink header truncated: ${m.data.length} of ${GENL_HDRLEN} bytes`);
  }
  return { cmd: m.data.readUInt8(0), version: m.data.readUInt8(1), attrs: m.data.subarray(GENL_HDRLEN) };
}

/** Reads a CTRL_CMD_NEWFAMILY reply. */
export function decodeFamily(m: GenlMessage): GenlFamily {
  const f: GenlFamily = { id: 0, name: '', version: 0, maxAttr: 0, groups: new Map() };
  const d = new AttributeDecoder(m.attrs);
  while (d.next()) {
    switch (d.type) {
      case CTRL_ATTR_FAMILY_ID: f.id = d.uint16(); break;
      case CTRL_ATTR_FAMILY_NAME: f.name = d.string(); break;
      case CTRL_ATTR_VERSION: f.version = d.uint32(); break;
      case CTRL_ATTR_MAXATTR: f.maxAttr = d.uint32(); break;
      case CTRL_ATTR_MCAST_GROUPS:
        // An array: each element is a nested attribute whose type is its index.
        d.nested((arr) => {
          while (arr.next()) {
            let name = '';
            let id = -1;
            arr.nested((g) => {
              while (g.next()) {
                if (g.type === CTRL_ATTR_MCAST_GRP_NAME) name = g.string();
                else if (g.type === CTRL_ATTR_MCAST_GRP_ID) id = g.uint32();
              }
            });
            if (name && id >= 0) f.groups.set(name, id);
          }
        });
        break;
      default:
        break; // CTRL_ATTR_OPS, CTRL_ATTR_HDRSIZE, policies...: not needed
    }
  }
  const err = d.err();
  if (err) throw err;
  if (!f.id || !f.name) throw new DecodeError('CTRL_CMD_NEWFAMILY reply lacks a family id or name');
  return f;
}

export class GenericNetlink {
  readonly conn: NetlinkConn;
  readonly #families = new Map<string, GenlFamily>();

  constructor(conn: NetlinkConn) {
    this.conn = conn;
  }

  static open(opts: NetlinkConnOptions = {}): GenericNetlink {
    return new GenericNetlink(NetlinkConn.open(NETLINK_GENERIC, { typeName: genlTypeName, ...opts }));
  }

  /** Over a given transport (a fake in tests). */
  static fromTransport(t: NetlinkTransport, opts: NetlinkConnOptions = {}): GenericNetlink {
    return new GenericNetlink(new NetlinkConn(t, { typeName: genlTypeName, ...opts }));
  }

  /** Resolves a family by name. A family the kernel lacks: NetlinkError with syscallCode 'ENOENT'. */
  async family(name: string): Promise<GenlFamily> {
    const cached = this.#families.get(name);
    if (cached) return cached;
    const attrs = new AttributeEncoder().string(CTRL_ATTR_FAMILY_NAME, name).encode();
    const replies = await this.conn.request({
      type: GENL_ID_CTRL, flags: 0, data: encodeGenl(CTRL_CMD_GETFAMILY, CTRL_VERSION, attrs), op: `CTRL_CMD_GETFAMILY ${name}`,
    });
    const first = replies[0];
    if (!first) throw new DecodeError(`CTRL_CMD_GETFAMILY ${name}: no reply message`);
    const f = decodeFamily(decodeGenl(first));
    this.#families.set(name, f);
    return f;
  }

  #message(family: GenlFamily, cmd: number, attrs: Buffer, flags: number): NetlinkRequest {
    return { type: family.id, flags, data: encodeGenl(cmd, family.version, attrs), op: `${family.name} cmd ${cmd}` };
  }

  /** One command; resolves with the reply messages (none for a plain ACK). */
  async request(family: GenlFamily, cmd: number, attrs: Buffer, flags = 0): Promise<GenlMessage[]> {
    const replies = await this.conn.request(this.#message(family, cmd, attrs, flags));
    return replies.map(decodeGenl);
  }

  /** A dump (NLM_F_DUMP): every part until NLMSG_DONE. */
  async dump(family: GenlFamily, cmd: number, attrs: Buffer = Buffer.alloc(0)): Promise<GenlMessage[]> {
    return this.request(family, cmd, attrs, NLM_F_DUMP);
  }

  /** Several commands in one sendmsg; each result is its replies or the kernel's NetlinkError. */
  async batch(
    family: GenlFamily,
    reqs: Array<{ cmd: number; attrs: Buffer; flags?: number }>,
  ): Promise<Array<GenlMessage[] | NetlinkError>> {
    const results = await this.conn.batch(reqs.map((r) => this.#message(family, r.cmd, r.attrs, r.flags ?? 0)));
    return results.map((r) => (r instanceof NetlinkError ? r : r.map(decodeGenl)));
  }

  close(): void {
    this.conn.close();
  }
}

function genlTypeName(type: number): string {
  return type === GENL_ID_CTRL ? 'CTRL_CMD_GETFAMILY' : `genetlink family ${type}`;
}
