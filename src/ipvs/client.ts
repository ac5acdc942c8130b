// IpvsClient: the kernel's IP Virtual Server table over generic netlink (family "IPVS").
// Thin: the codecs (service.ts, destination.ts, stats.ts, ops.ts) do the bytes; this file sends
// commands and turns kernel refusals into IpvsError with an explanation.
import { GenericNetlink, type GenlFamily, type GenlMessage } from '../netif/genetlink.js';
import { AttributeDecoder, AttributeEncoder } from '../netif/netlink/attributes.js';
import { NetlinkError } from '../netif/netlink/errors.js';
import { DecodeError } from '../errors.js';
import * as C from './constants.js';
import { unpackDestination, type Destination, type DestinationExtended, type DestinationId } from './destination.js';
import { explainErrno, IpvsError } from './errors.js';
import { encodeOp, encodeServiceQuery, opTarget, type IpvsOp } from './ops.js';
import { serviceKey, unpackService, type Service, type ServiceExtended, type ServiceId } from './service.js';
import { packSyncDaemon, packSyncDaemonStop, unpackSyncDaemon, type SyncDaemon, type SyncDaemonState } from './sync-daemon.js';

export interface IpvsInfo {
  /** "1.2.1" */
  version: string;
  versionCode: number;
  /** Size of the connection hash table. */
  connTableSize: number;
}

/** Connection timeouts in seconds (ipvsadm --set tcp tcpfin udp); 0 on set = leave unchanged. */
export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

/** The part of GenericNetlink the client uses (a fake in unit tests). */
export type GenlLike = Pick<GenericNetlink, 'family' | 'request' | 'dump' | 'batch' | 'close'>;

export class IpvsClient {
  readonly #genl: GenlLike;
  readonly #family: GenlFamily;
  readonly #ownsGenl: boolean;
  /** Number of IPVS commands sent (reads and writes): lets tests check that a reconcile sent nothing. */
  requestsSent = 0;
  /** Number of IPVS commands that change the table. */
  changesSent = 0;

  private constructor(genl: GenlLike, family: GenlFamily, ownsGenl: boolean) {
    this.#genl = genl;
    this.#family = family;
    this.#ownsGenl = ownsGenl;
  }

  /** Resolves the IPVS family; without ip_vs loaded this fails with a clear IpvsError. */
  static async open(opts: { genl?: GenlLike } = {}): Promise<IpvsClient> {
    const genl = opts.genl ?? GenericNetlink.open();
    try {
      const family = await genl.family(C.IPVS_GENL_NAME);
      return new IpvsClient(genl, family, !opts.genl);
    } catch (err) {
      if (!opts.genl) genl.close();
      if (err instanceof NetlinkError && err.syscallCode === 'ENOENT') {
        throw new IpvsError('open', '', 'ENOENT', err.errno, 'the kernel has no IPVS generic netlink family (load the ip_vs module)', { cause: err });
      }
      throw err;
    }
  }

  close(): void {
    if (this.#ownsGenl) this.#genl.close();
  }

  // --- services ---

  async services(): Promise<ServiceExtended[]> {
    const replies = await this.#dump('services', '', C.IPVS_CMD_GET_SERVICE);
    return replies.map((m) => decodeNested(m, C.IPVS_CMD_ATTR_SERVICE, unpackService));
  }

  /** One service; a missing one is IpvsError ESRCH. */
  async service(id: ServiceId): Promise<ServiceExtended> {
    const replies = await this.#call('service', serviceKey(id), C.IPVS_CMD_GET_SERVICE, encodeServiceQuery(id));
    const first = replies[0];
    if (!first) throw new DecodeError('IPVS GET_SERVICE: no reply');
    return decodeNested(first, C.IPVS_CMD_ATTR_SERVICE, unpackService);
  }

  createService(s: Service): Promise<void> { return this.#apply({ kind: 'createService', service: s }); }
  updateService(s: Service): Promise<void> { return this.#apply({ kind: 'updateService', service: s }); }
  removeService(id: ServiceId): Promise<void> { return this.#apply({ kind: 'removeService', service: id }); }

  // --- destinations ---

  async destinations(id: ServiceId): Promise<DestinationExtended[]> {
    const replies = await this.#dump('destinations', serviceKey(id), C.IPVS_CMD_GET_DEST, encodeServiceQuery(id));
    return replies.map((m) => decodeNested(m, C.IPVS_CMD_ATTR_DEST, (d) => unpackDestination(d, id.family)));
  }

  createDestination(svc: ServiceId, d: Destination): Promise<void> {
    return this.#apply({ kind: 'createDestination', service: svc, destination: d });
  }
  updateDestination(svc: ServiceId, d: Destination): Promise<void> {
    return this.#apply({ kind: 'updateDestination', service: svc, destination: d });
  }
  removeDestination(svc: ServiceId, d: DestinationId): Promise<void> {
    return this.#apply({ kind: 'removeDestination', service: svc, destination: d });
  }

  // --- batches ---

  /**
   * Many changes in one write; the kernel runs them in order and ACKs each. Result i is
   * undefined when ops[i] succeeded, else its IpvsError. Later ops run even when one fails.
   */
  async batch(ops: IpvsOp[]): Promise<Array<IpvsError | undefined>> {
    if (ops.length === 0) return [];
    const cmds = ops.map(encodeOp);
    this.requestsSent += ops.length;
    this.changesSent += ops.length;
    const results = await this.#genl.batch(this.#family, cmds);
    return results.map((r, i) => (r instanceof NetlinkError ? toIpvsError(ops[i]!, r) : undefined));
  }

  // --- global ---

  async info(): Promise<IpvsInfo> {
    const replies = await this.#call('info', '', C.IPVS_CMD_GET_INFO, Buffer.alloc(0));
    let versionCode = 0, connTableSize = 0;
    const d = new AttributeDecoder(replies[0]?.attrs ?? Buffer.alloc(0));
    while (d.next()) {
      if (d.type === C.IPVS_INFO_ATTR_VERSION) versionCode = d.uint32();
      else if (d.type === C.IPVS_INFO_ATTR_CONN_TAB_SIZE) connTableSize = d.uint32();
    }
    const err = d.err();
    if (err) throw err;
    const version = `${(versionCode >> 16) & 0xff}.${(versionCode >> 8) & 0xff}.${versionCode & 0xff}`;
    return { version, versionCode, connTableSize };
  }

  async config(): Promise<IpvsTimeouts> {
    const replies = await this.#call('config', '', C.IPVS_CMD_GET_CONFIG, Buffer.alloc(0));
    const t: IpvsTimeouts = { tcp: 0, tcpFin: 0, udp: 0 };
    const d = new AttributeDecoder(replies[0]?.attrs ?? Buffer.alloc(0));
    while (d.next()) {
      if (d.type === C.IPVS_CMD_ATTR_TIMEOUT_TCP) t.tcp = d.uint32();
      else if (d.type === C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN) t.tcpFin = d.uint32();
      else if (d.type === C.IPVS_CMD_ATTR_TIMEOUT_UDP) t.udp = d.uint32();
    }
    const err = d.err();
    if (err) throw err;
    return t;
  }

  /** Sets the given timeouts; the others stay as they are. */
  async setConfig(t: Partial<IpvsTimeouts>): Promise<void> {
    const e = new AttributeEncoder();
    if (t.tcp !== undefined) e.uint32(C.IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp);
    if (t.tcpFin !== undefined) e.uint32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcpFin);
    if (t.udp !== undefined) e.uint32(C.IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp);
    this.changesSent++;
    await this.#call('setConfig', '', C.IPVS_CMD_SET_CONFIG, e.encode());
  }

  // --- connection sync daemon ---

  /** The running sync daemons (ipvsadm -L --daemon): at most one master and one backup. */
  async daemons(): Promise<SyncDaemon[]> {
    const replies = await this.#dump('daemons', '', C.IPVS_CMD_GET_DAEMON);
    return replies.map((m) => decodeNested(m, C.IPVS_CMD_ATTR_DAEMON, unpackSyncDaemon));
  }

  /** ipvsadm --start-daemon; EEXIST when one of that state runs already. */
  async startDaemon(d: SyncDaemon): Promise<void> {
    const e = new AttributeEncoder().nested(C.IPVS_CMD_ATTR_DAEMON, (n) => packSyncDaemon(n, d), { flag: true });
    this.changesSent++;
    await this.#call('startDaemon', `${d.state} sync daemon on ${d.interface}`, C.IPVS_CMD_NEW_DAEMON, e.encode());
  }

  /** ipvsadm --stop-daemon; ESRCH when none of that state runs. */
  async stopDaemon(state: SyncDaemonState): Promise<void> {
    const e = new AttributeEncoder().nested(C.IPVS_CMD_ATTR_DAEMON, (n) => packSyncDaemonStop(n, state), { flag: true });
    this.changesSent++;
    await this.#call('stopDaemon', `${state} sync daemon`, C.IPVS_CMD_DEL_DAEMON, e.encode());
  }

  /** Removes every service of this network namespace (ipvsadm -C). */
  async flush(): Promise<void> {
    this.changesSent++;
    await this.#call('flush', '', C.IPVS_CMD_FLUSH, Buffer.alloc(0));
  }

  /** Zeroes counters: of one service, or of all (ipvsadm -Z). */
  async zero(id?: ServiceId): Promise<void> {
    this.changesSent++;
    await this.#call('zero', id ? serviceKey(id) : '', C.IPVS_CMD_ZERO, id ? encodeServiceQuery(id) : Buffer.alloc(0));
  }

  async #apply(op: IpvsOp): Promise<void> {
    const [err] = await this.batch([op]);
    if (err) throw err;
  }

  async #call(op: string, target: string, cmd: number, attrs: Buffer): Promise<GenlMessage[]> {
    this.requestsSent++;
    try {
      return await this.#genl.request(this.#family, cmd, attrs);
    } catch (err) {
      throw err instanceof NetlinkError ? new IpvsError(op, target, err.syscallCode, err.errno, explainErrno(op, err.syscallCode), { cause: err }) : err;
    }
  }

  async #dump(op: string, target: string, cmd: number, attrs?: Buffer): Promise<GenlMessage[]> {
    this.requestsSent++;
    try {
      return await this.#genl.dump(this.#family, cmd, attrs);
    } catch (err) {
      throw err instanceof NetlinkError ? new IpvsError(op, target, err.syscallCode, err.errno, explainErrno(op, err.syscallCode), { cause: err }) : err;
    }
  }
}

/** The one nested attribute of a reply (IPVS_CMD_ATTR_SERVICE / _DEST), decoded by fn. */
export function decodeNested<T>(m: GenlMessage, type: number, fn: (d: AttributeDecoder) => T): T {
  const d = new AttributeDecoder(m.attrs);
  let out: T | undefined;
  let found = false;
  while (d.next()) {
    if (d.type !== type) continue;
    found = true;
    let inner: Error | undefined;
    d.nested((n) => {
      try {
        out = fn(n);
      } catch (e) {
        inner = e as Error;
      }
    });
    if (inner) throw inner;
  }
  const err = d.err();
  if (err) throw err;
  if (!found) throw new DecodeError(`IPVS reply (cmd ${m.cmd}) lacks attribute ${type}`);
  return out as T;
}

export function toIpvsError(op: IpvsOp, err: NetlinkError): IpvsError {
  const ctx: { scheduler?: string; pe?: string; address?: string } = {};
  if (op.kind === 'createService' || op.kind === 'updateService') {
    ctx.scheduler = op.service.scheduler;
    if (op.service.pe) ctx.pe = op.service.pe;
  }
  if ('destination' in op) ctx.address = op.destination.address;
  return new IpvsError(op.kind, opTarget(op), err.syscallCode, err.errno, explainErrno(op.kind, err.syscallCode, ctx), { cause: err });
}
