// Kernel refusals of a netlink request. Codec faults (truncated or garbled replies) are
// DecodeError from src/errors.ts instead, so callers can tell "the kernel said no" from "we
// could not read what the kernel said".
import { constants as osConstants } from 'node:os';
import { VipdError } from '../../errors.js';

const errnoNames = new Map<number, string>();
// Several names share a number: Linux's own names win (strerror/`ip` say EOPNOTSUPP, EAGAIN).
const preferred = new Set(['EOPNOTSUPP', 'EAGAIN', 'EDEADLK']);
for (const [name, value] of Object.entries(osConstants.errno)) {
  if (!errnoNames.has(value) || preferred.has(name)) errnoNames.set(value, name);
}

/** errno number -> name ('EEXIST'), or 'E<number>' when Node does not know it. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** The kernel answered a request with a negative error (NLMSG_ERROR, or NLMSG_DONE of a dump). */
export class NetlinkError extends VipdError {
  /** Positive errno (17 for EEXIST). */
  readonly errno: number;
  /** Errno name: 'EEXIST', 'ENOENT'... */
  readonly syscallCode: string;
  /** What we asked for, e.g. 'RTM_NEWADDR'. */
  readonly op: string;
  /** Extended ACK message from the kernel (NLMSGERR_ATTR_MSG), when it sent one. */
  readonly extack: string | undefined;
  /** Byte offset in the request of the attribute the kernel blamed (NLMSGERR_ATTR_OFFS). */
  readonly offset: number | undefined;
  /** Sequence number of the failed request. */
  readonly sequence: number | undefined;

  constructor(op: string, errno: number, extra: { extack?: string; offset?: number; sequence?: number } = {}) {
    const name = errnoName(errno);
    super('VIPD_ERR_NETLINK', `${op} failed: ${name}${extra.extack ? ` (${extra.extack})` : ''}`);
    this.errno = errno;
    this.syscallCode = name;
    this.op = op;
    this.extack = extra.extack;
    this.offset = extra.offset;
    this.sequence = extra.sequence;
  }
}
