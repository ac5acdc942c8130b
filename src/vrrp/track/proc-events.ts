// The kernel's process events connector (linux/connector.h, linux/cn_proc.h) as a pure codec:
// the PROC_CN_MCAST_LISTEN request and the proc_event notifications (fork, exec, comm, exit) that
// vrrp_track_process follows. One notification is an nlmsghdr, a struct cn_msg
// { cb_id { idx, val }, seq, ack, len (u16), flags (u16) } and a struct proc_event
// { what, cpu, timestamp_ns (u64), event_data (union) }, all in host byte order (little-endian
// on every architecture vipd runs on).
import { DecodeError } from '../../errors.js';
import { encodeMessage, decodeMessages } from '../../netif/netlink/message.js';
import { NLMSG_DONE } from '../../netif/netlink/constants.js';

export const NETLINK_CONNECTOR = 11;
/** cb_id of the process events connector, and the multicast group to join. */
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;
/** enum proc_cn_mcast_op */
export const PROC_CN_MCAST_LISTEN = 1;
export const PROC_CN_MCAST_IGNORE = 2;

/** enum what (linux/cn_proc.h). */
export const PROC_EVENT_NONE = 0x00000000;
export const PROC_EVENT_FORK = 0x00000001;
export const PROC_EVENT_EXEC = 0x00000002;
export const PROC_EVENT_UID = 0x00000004;
export const PROC_EVENT_GID = 0x00000040;
export const PROC_EVENT_SID = 0x00000080;
export const PROC_EVENT_PTRACE = 0x00000100;
export const PROC_EVENT_COMM = 0x00000200;
export const PROC_EVENT_COREDUMP = 0x40000000;
export const PROC_EVENT_EXIT = 0x80000000;

const CN_MSG_LEN = 20;
/** struct proc_event: what, cpu, timestamp_ns, then the union (24 bytes at most). */
const EVENT_DATA = 16;
const TASK_COMM_LEN = 16;

export type ProcEvent =
  /** The reply to LISTEN / IGNORE: err 0 is success. */
  | { what: 'ack'; err: number }
  | { what: 'fork'; parentPid: number; parentTgid: number; childPid: number; childTgid: number }
  | { what: 'exec'; pid: number; tgid: number }
  | { what: 'comm'; pid: number; tgid: number; comm: string }
  | { what: 'exit'; pid: number; tgid: number; exitCode: number; exitSignal: number }
  /** uid, gid, sid, ptrace, coredump...: not needed here. */
  | { what: 'other'; code: number };

/** The LISTEN (or IGNORE) request, addressed to the kernel from port `portId`. */
export function encodeMcastOp(op: typeof PROC_CN_MCAST_LISTEN | typeof PROC_CN_MCAST_IGNORE, sequence: number, portId: number): Buffer {
  const cn = Buffer.alloc(CN_MSG_LEN + 4);
  cn.writeUInt32LE(CN_IDX_PROC, 0);
  cn.writeUInt32LE(CN_VAL_PROC, 4);
  cn.writeUInt32LE(sequence >>> 0, 8);
  cn.writeUInt32LE(0, 12); // ack
  cn.writeUInt16LE(4, 16); // len: the op
  cn.writeUInt16LE(0, 18);
  cn.writeUInt32LE(op, CN_MSG_LEN);
  return encodeMessage({ type: NLMSG_DONE, flags: 0, sequence, pid: portId, data: cn });
}

/** The events of one datagram. Messages of another connector are skipped; a short event is a DecodeError. */
export function decodeProcEvents(datagram: Buffer): ProcEvent[] {
  const out: ProcEvent[] = [];
  for (const m of decodeMessages(datagram)) {
    const d = m.data;
    if (d.length < CN_MSG_LEN) throw new DecodeError(`cn_msg truncated: ${d.length} of ${CN_MSG_LEN} bytes`);
    if (d.readUInt32LE(0) !== CN_IDX_PROC || d.readUInt32LE(4) !== CN_VAL_PROC) continue;
    const len = d.readUInt16LE(16);
    const ev = d.subarray(CN_MSG_LEN, CN_MSG_LEN + len);
    if (ev.length < len || len < EVENT_DATA) throw new DecodeError(`proc_event truncated: ${ev.length} bytes (cn_msg len ${len})`);
    out.push(decodeEvent(ev));
  }
  return out;
}

function need(ev: Buffer, bytes: number, what: string): void {
  if (ev.length < EVENT_DATA + bytes) throw new DecodeError(`proc_event ${what} truncated: ${ev.length - EVENT_DATA} of ${bytes} bytes`);
}

function decodeEvent(ev: Buffer): ProcEvent {
  const what = ev.readUInt32LE(0);
  const u = (i: number) => ev.readUInt32LE(EVENT_DATA + 4 * i);
  switch (what) {
    case PROC_EVENT_NONE:
      need(ev, 4, 'ack');
      return { what: 'ack', err: u(0) };
    case PROC_EVENT_FORK:
      need(ev, 16, 'fork');
      return { what: 'fork', parentPid: u(0), parentTgid: u(1), childPid: u(2), childTgid: u(3) };
    case PROC_EVENT_EXEC:
      need(ev, 8, 'exec');
      return { what: 'exec', pid: u(0), tgid: u(1) };
    case PROC_EVENT_COMM: {
      need(ev, 8 + TASK_COMM_LEN, 'comm');
      const raw = ev.subarray(EVENT_DATA + 8, EVENT_DATA + 8 + TASK_COMM_LEN);
      const nul = raw.indexOf(0);
      return { what: 'comm', pid: u(0), tgid: u(1), comm: raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8') };
    }
    case PROC_EVENT_EXIT:
      need(ev, 16, 'exit');
      return { what: 'exit', pid: u(0), tgid: u(1), exitCode: u(2), exitSignal: ev.readInt32LE(EVENT_DATA + 12) };
    default:
      return { what: 'other', code: what };
  }
}
