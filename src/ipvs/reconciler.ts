// Desired IPVS state -> the kernel table, by the smallest set of changes. plan() is pure (the
// diff); Reconciler reads the table, applies the plan in one batch, and on failure re-reads and
// retries once, then rolls back services it created whose destinations could not be added, so
// no service is left half-programmed. It only ever touches services it owns.
// Reading costs one GET_DEST dump per service (the kernel has no "all destinations" dump, and one
// netlink socket runs one dump at a time): with readDestinations 'changed' the destinations of a
// service whose wanted state equals what this reconciler last applied, and whose kernel config
// still matches it, are taken as applied instead of read (drift of their destinations is then
// only repaired by an apply in 'all' mode).
import { destinationKey, sameDestinationConfig, type Destination } from './destination.js';
import type { IpvsError } from './errors.js';
import type { IpvsOp } from './ops.js';
import { sameServiceConfig, serviceId, serviceKey, type Service } from './service.js';
import type { IpvsClient } from './client.js';

/** One virtual service and all of its destinations. */
export interface ServiceState {
  service: Service;
  destinations: Destination[];
}

/**
 * The changes that turn `actual` into `desired`. Services in `desired` are managed fully
 * (their extra destinations are removed); services only in `actual` are removed only when
 * their key is in `owned`. Order: new services, then per service removals/updates/additions
 * of destinations, then removal of services no longer wanted.
 */
export function plan(desired: ServiceState[], actual: ServiceState[], owned: ReadonlySet<string> = new Set()): IpvsOp[] {
  const ops: IpvsOp[] = [];
  const actualByKey = new Map(actual.map((s) => [serviceKey(s.service), s]));
  const desiredKeys = new Set<string>();
  for (const want of desired) {
    const key = serviceKey(want.service);
    if (desiredKeys.has(key)) continue; // first one wins; config validation reports duplicates
    desiredKeys.add(key);
    const id = serviceId(want.service);
    const have = actualByKey.get(key);
    if (!have) {
      ops.push({ kind: 'createService', service: want.service });
    } else if (!sameServiceConfig(want.service, have.service)) {
      ops.push({ kind: 'updateService', service: want.service });
    }
    const haveDests = new Map((have?.destinations ?? []).map((d) => [destinationKey(d), d]));
    const wantDests = new Map<string, Destination>();
    for (const d of want.destinations) if (!wantDests.has(destinationKey(d))) wantDests.set(destinationKey(d), d);
    for (const [k, d] of haveDests) {
      if (!wantDests.has(k)) ops.push({ kind: 'removeDestination', service: id, destination: { family: d.family, address: d.address, port: d.port } });
    }
    for (const [k, d] of wantDests) {
      const h = haveDests.get(k);
      if (!h) ops.push({ kind: 'createDestination', service: id, destination: d });
      else if (!sameDestinationConfig(d, h)) ops.push({ kind: 'updateDestination', service: id, destination: d });
    }
  }
  for (const have of actual) {
    const key = serviceKey(have.service);
    if (!desiredKeys.has(key) && owned.has(key)) ops.push({ kind: 'removeService', service: serviceId(have.service) });
  }
  return ops;
}

/** Same service config and the same destinations (by key and config), order aside. */
export function sameState(a: ServiceState, b: ServiceState): boolean {
  if (!sameServiceConfig(a.service, b.service) || a.destinations.length !== b.destinations.length) return false;
  const bd = new Map(b.destinations.map((d) => [destinationKey(d), d]));
  for (const d of a.destinations) {
    const o = bd.get(destinationKey(d));
    if (!o || !sameDestinationConfig(d, o)) return false;
  }
  return true;
}

export interface FailedOp {
  op: IpvsOp;
  error: IpvsError;
}

export interface ApplyResult {
  /** Ops sent, over all attempts (0 when the table already matched). */
  sent: number;
  /** Ops that still failed after the retry. */
  failed: FailedOp[];
  /** Keys of services created in this apply and removed again because their destinations failed. */
  rolledBack: string[];
}

export interface ReconcilerOptions {
  /** Keys (serviceKey) of services this reconciler owns at start, e.g. from a previous run. */
  owned?: Iterable<string>;
  /** Ops per write; the kernel handles large batches, but one datagram is bounded. Default 256. */
  batchSize?: number;
  /**
   * 'all' (default): read every desired/owned service's destinations before planning.
   * 'changed': skip the read for services unchanged since the last apply (see the file comment).
   */
  readDestinations?: 'all' | 'changed';
  /** With 'changed': the state the table is known to hold already (e.g. programmed by a previous run). */
  applied?: ServiceState[];
}

export class Reconciler {
  readonly #client: IpvsClient;
  readonly #owned: Set<string>;
  readonly #batchSize: number;
  readonly #readChangedOnly: boolean;
  /** With readDestinations 'changed': per service key, the state last applied successfully. */
  readonly #applied = new Map<string, ServiceState>();

  constructor(client: IpvsClient, opts: ReconcilerOptions = {}) {
    this.#client = client;
    this.#owned = new Set(opts.owned ?? []);
    this.#batchSize = opts.batchSize ?? 256;
    this.#readChangedOnly = opts.readDestinations === 'changed';
    if (this.#readChangedOnly) for (const s of opts.applied ?? []) this.#applied.set(serviceKey(s.service), s);
  }

  /** Keys of services this reconciler owns (the last desired state, plus any it failed to remove). */
  get owned(): ReadonlySet<string> {
    return this.#owned;
  }

  /** The kernel table, restricted to services that are desired or owned (others are not read further). */
  async read(interesting?: ReadonlySet<string>): Promise<ServiceState[]> {
    return this.#read(interesting);
  }

  /** known: per key, destinations to assume instead of reading (when the kernel's service config matches). */
  async #read(interesting?: ReadonlySet<string>, known?: ReadonlyMap<string, ServiceState>): Promise<ServiceState[]> {
    const services = await this.#client.services();
    const out: ServiceState[] = [];
    for (const { service } of services) {
      const key = serviceKey(service);
      if (interesting && !interesting.has(key)) continue;
      const k = known?.get(key);
      if (k && sameServiceConfig(k.service, service)) {
        out.push({ service, destinations: k.destinations });
        continue;
      }
      const dests = await this.#client.destinations(service);
      out.push({ service, destinations: dests.map((d) => d.destination) });
    }
    return out;
  }

  /** Desired services identical to what was last applied: their destinations need no read. */
  #unchanged(desired: ServiceState[]): Map<string, ServiceState> {
    const out = new Map<string, ServiceState>();
    for (const want of desired) {
      const key = serviceKey(want.service);
      const had = this.#applied.get(key);
      if (had && sameState(want, had)) out.set(key, had);
    }
    return out;
  }

  /** Makes the owned part of the kernel table match `desired`. Never throws for kernel refusals. */
  async apply(desired: ServiceState[]): Promise<ApplyResult> {
    const result: ApplyResult = { sent: 0, failed: [], rolledBack: [] };
    const desiredKeys = new Set(desired.map((s) => serviceKey(s.service)));
    for (let attempt = 0; attempt < 2; attempt++) {
      const interesting = new Set([...desiredKeys, ...this.#owned]);
      // The retry after a failure always reads everything: the table is not what we thought.
      const known = this.#readChangedOnly && attempt === 0 ? this.#unchanged(desired) : undefined;
      const actual = await this.#read(interesting, known);
      const ops = plan(desired, actual, this.#owned);
      if (ops.length === 0) {
        result.failed = [];
        break;
      }
      const failed = await this.#send(ops);
      result.sent += ops.length;
      result.failed = failed;
      if (failed.length === 0) break;
      result.rolledBack.push(...(await this.#rollBack(ops, failed)));
    }
    result.rolledBack = [...new Set(result.rolledBack)];
    // Own what is desired; keep owning what could not be removed so a later apply retries it.
    const stillOwned = new Set(result.failed.filter((f) => f.op.kind === 'removeService').map((f) => serviceKey(f.op.service)));
    this.#owned.clear();
    for (const k of desiredKeys) this.#owned.add(k);
    for (const k of stillOwned) this.#owned.add(k);
    if (this.#readChangedOnly) {
      const touched = new Set([...result.failed.map((f) => serviceKey(f.op.service)), ...result.rolledBack]);
      this.#applied.clear();
      for (const s of desired) {
        const key = serviceKey(s.service);
        if (!touched.has(key)) this.#applied.set(key, s);
      }
    }
    return result;
  }

  /** Removes every owned service (e.g. on losing MASTER, or shutdown). */
  removeAll(): Promise<ApplyResult> {
    return this.apply([]);
  }

  async #send(ops: IpvsOp[]): Promise<FailedOp[]> {
    const failed: FailedOp[] = [];
    for (let i = 0; i < ops.length; i += this.#batchSize) {
      const chunk = ops.slice(i, i + this.#batchSize);
      const results = await this.#client.batch(chunk);
      results.forEach((err, j) => { if (err) failed.push({ op: chunk[j]!, error: err }); });
    }
    return failed;
  }

  /** Services created by `ops` whose destination ops failed: remove them (no half-programmed service). */
  async #rollBack(ops: IpvsOp[], failed: FailedOp[]): Promise<string[]> {
    const failedSet = new Set(failed.map((f) => f.op));
    const created = new Set(ops.filter((o) => o.kind === 'createService' && !failedSet.has(o)).map((o) => serviceKey(o.service)));
    const broken = new Map<string, IpvsOp>();
    for (const f of failed) {
      const key = serviceKey(f.op.service);
      if (created.has(key) && 'destination' in f.op) broken.set(key, f.op);
    }
    if (broken.size === 0) return [];
    const removals: IpvsOp[] = [...broken.values()].map((o) => ({ kind: 'removeService', service: serviceId(o.service) }));
    await this.#client.batch(removals);
    return [...broken.keys()];
  }
}
