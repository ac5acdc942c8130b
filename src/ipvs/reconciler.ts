// Desired IPVS state -> the kernel table, by the smallest set of changes. plan() is pure (the
// diff). Reconciler reads the table once, then trusts what it applied: an apply reads nothing
// and sends only the difference to its model of the table (the kernel has no "all destinations"
// dump, so reading costs one GET_DEST dump per service: 10,000 services took 9 s in UML). A
// refused change re-reads just the services it concerns, is retried once, and a service created
// in that apply whose destinations still fail is removed again, so none is left half-programmed.
// audit() reads the table a few services at a time and repairs what others changed. It only ever
// touches services it owns. Its reads do not hold the apply queue (a reload's one SET_DEST does not
// wait behind a dump of 10,000 services); what an apply touched while they ran is not judged.
import { performance } from 'node:perf_hooks';
import { destinationKey, sameDestinationConfig, type Destination } from './destination.js';
import { IpvsError } from './errors.js';
import type { IpvsOp } from './ops.js';
import { sameServiceConfig, serviceId, serviceKey, type Service, type ServiceId } from './service.js';
import type { IpvsClient } from './client.js';

/** One virtual service and all of its destinations. */
export interface ServiceState {
  service: Service;
  destinations: Destination[];
}

/** Same destinations (by key and config) in the same order: the common "nothing changed" case, without maps. */
function sameDestinationsInOrder(a: Destination[], b: Destination[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x !== y && (destinationKey(x) !== destinationKey(y) || !sameDestinationConfig(x, y))) return false;
  }
  return true;
}

/** The changes of one service: `have` undefined = not in the table. */
function planService(want: ServiceState, have: ServiceState | undefined, ops: IpvsOp[]): void {
  if (!have) ops.push({ kind: 'createService', service: want.service });
  else if (want.service !== have.service && !sameServiceConfig(want.service, have.service)) ops.push({ kind: 'updateService', service: want.service });
  if (have && sameDestinationsInOrder(want.destinations, have.destinations)) return;
  const id = serviceId(want.service);
  const haveDests = new Map((have?.destinations ?? []).map((d) => [destinationKey(d), d]));
  const wantDests = new Map<string, Destination>();
  for (const d of want.destinations) if (!wantDests.has(destinationKey(d))) wantDests.set(destinationKey(d), d);
  for (const [k, d] of haveDests) {
    if (!wantDests.has(k)) ops.push({ kind: 'removeDestination', service: id, destination: { family: d.family, address: d.address, port: d.port } });
  }
  for (const [k, d] of wantDests) {
    const h = haveDests.get(k);
    if (!h) ops.push({ kind: 'createDestination', service: id, destination: d });
    else if (h !== d && !sameDestinationConfig(d, h)) ops.push({ kind: 'updateDestination', service: id, destination: d });
  }
}

/**
 * `scope`: only these services are planned (a service of the scope missing from `desired` is no
 * longer wanted); undefined: every service of `actualByKey` is (the full walk).
 */
function planAgainst(desired: ServiceState[], actualByKey: ReadonlyMap<string, ServiceState>, owned: ReadonlySet<string>, scope?: ReadonlySet<string>): IpvsOp[] {
  const ops: IpvsOp[] = [];
  const desiredKeys = new Set<string>();
  for (const want of desired) {
    const key = serviceKey(want.service);
    if (desiredKeys.has(key) || (scope && !scope.has(key))) continue; // first one wins; config validation reports duplicates
    desiredKeys.add(key);
    const have = actualByKey.get(key);
    if (have !== want) planService(want, have, ops); // the very state applied last time: unchanged
  }
  const unwanted = (key: string, have: ServiceState) => {
    if (!desiredKeys.has(key) && owned.has(key)) ops.push({ kind: 'removeService', service: serviceId(have.service) });
  };
  if (scope) {
    for (const key of scope) {
      const have = actualByKey.get(key);
      if (have) unwanted(key, have);
    }
  } else for (const [key, have] of actualByKey) unwanted(key, have);
  return ops;
}

/**
 * The changes that turn `actual` into `desired`. Services in `desired` are managed fully
 * (their extra destinations are removed); services only in `actual` are removed only when
 * their key is in `owned`. Order: per service its creation or update, then removals/updates/
 * additions of its destinations; then removal of services no longer wanted.
 */
export function plan(desired: ServiceState[], actual: ServiceState[], owned: ReadonlySet<string> = new Set()): IpvsOp[] {
  return planAgainst(desired, new Map(actual.map((s) => [serviceKey(s.service), s])), owned);
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
  /** Time spent (ms): reading the table (first apply), the diff, and the sends with their retries. */
  timing?: { readMs: number; planMs: number; sendMs: number };
}

export interface AuditResult {
  /** Services whose destinations this step read. */
  read: number;
  /** Keys of owned services found different from what was applied, and repaired (or tried). */
  drifted: string[];
  /** Repair ops sent; failed: those the kernel refused. */
  sent: number;
  failed: FailedOp[];
  /** True when this step finished a pass over every owned service (the next step starts a new one). */
  passDone: boolean;
}

export interface ReconcilerOptions {
  /** Keys (serviceKey) of services this reconciler owns at start, e.g. from a previous run. */
  owned?: Iterable<string>;
  /** Ops per write; the kernel handles large batches, but one datagram is bounded. Default 256. */
  batchSize?: number;
  /**
   * 'trusted' (default): read the owned and desired part of the table on the first apply only,
   * then plan against what was applied (audit() finds changes made by others).
   * 'all': read it before every apply.
   */
  read?: 'trusted' | 'all';
  /** Trusted mode: what the table is known to hold already (the first apply then reads nothing). */
  applied?: ServiceState[];
}

export class Reconciler {
  readonly #client: IpvsClient;
  readonly #owned: Set<string>;
  readonly #batchSize: number;
  readonly #readEveryApply: boolean;
  /** What the kernel holds for the services this reconciler read or changed; undefined = read it first. */
  #model: Map<string, ServiceState> | undefined;
  /** One apply or audit step at a time: the model is only ever changed by one of them. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Audit pass: the keys still to read, and whether the service list was read this pass. */
  #auditKeys: string[] = [];
  #auditListed = false;
  /** The audit step running, if any (steps never overlap). */
  #auditRun: Promise<AuditResult> | undefined;
  /**
   * Services an apply (or resync) may have changed since the running audit step began reading:
   * its reads of those may predate the change. 'all' = every service; undefined = no step running.
   */
  #touchedSinceRead: Set<string> | 'all' | undefined;

  constructor(client: IpvsClient, opts: ReconcilerOptions = {}) {
    this.#client = client;
    this.#owned = new Set(opts.owned ?? []);
    this.#batchSize = opts.batchSize ?? 256;
    this.#readEveryApply = opts.read === 'all';
    if (opts.applied && !this.#readEveryApply) this.#model = new Map(opts.applied.map((s) => [serviceKey(s.service), s]));
  }

  /** Keys of services this reconciler owns (the last desired state, plus any it failed to remove). */
  get owned(): ReadonlySet<string> {
    return this.#owned;
  }

  /** The kernel table, restricted to `interesting` services (all when undefined): one dump plus one per service. */
  async read(interesting?: ReadonlySet<string>): Promise<ServiceState[]> {
    const services = await this.#client.services();
    const out: ServiceState[] = [];
    for (const { service } of services) {
      if (interesting && !interesting.has(serviceKey(service))) continue;
      const dests = await this.#client.destinations(service);
      out.push({ service, destinations: dests.map((d) => d.destination) });
    }
    return out;
  }

  /** Forget the model: the next apply reads the table again (e.g. after lost netlink notifications). */
  resync(): void {
    this.#model = undefined;
    this.#touched(undefined);
  }

  /** Notes services an apply changes for the audit step reading meanwhile; `scope` undefined = all. */
  #touched(scope: ReadonlySet<string> | undefined): void {
    const t = this.#touchedSinceRead;
    if (t === undefined || t === 'all') return;
    if (!scope) this.#touchedSinceRead = 'all';
    else for (const k of scope) t.add(k);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Makes the owned part of the kernel table match `desired`. Never throws for kernel refusals. */
  apply(desired: ServiceState[]): Promise<ApplyResult> {
    return this.#serial(() => this.#apply(desired));
  }

  /**
   * Whether applyChanged() can work from the model alone: trusted mode with the table read (or
   * given) already. Otherwise it reads what it needs first, like apply().
   */
  get trusting(): boolean {
    return !this.#readEveryApply && this.#model !== undefined;
  }

  /**
   * apply() for part of the table: `changed` names the services whose desired state may differ
   * from the last apply, `desired` holds the desired state of those of them still wanted (a
   * service of `changed` missing from it is removed when owned). Every other service is as
   * the last apply left it, and is neither planned nor read: the work is O(changed).
   */
  applyChanged(desired: ServiceState[], changed: ReadonlySet<string>): Promise<ApplyResult> {
    return this.#serial(() => this.#apply(desired, changed));
  }

  async #apply(desired: ServiceState[], scope?: ReadonlySet<string>): Promise<ApplyResult> {
    const timing = { readMs: 0, planMs: 0, sendMs: 0 };
    const result: ApplyResult = { sent: 0, failed: [], rolledBack: [], timing };
    let t = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = now - t;
      t = now;
      return ms;
    };
    this.#touched(scope);
    if (scope) desired = desired.filter((s) => scope.has(serviceKey(s.service)));
    const desiredKeys = new Set(desired.map((s) => serviceKey(s.service)));
    try {
      if (this.#readEveryApply || !this.#model) {
        // Read-every-apply mode reads only what it plans; a missing model is read for every owned service.
        const partial = scope && this.#model;
        const actual = await this.read(partial ? scope : new Set([...(scope ?? []), ...desiredKeys, ...this.#owned]));
        const read = new Map(actual.map((s) => [serviceKey(s.service), s]));
        if (partial) {
          for (const k of scope) this.#model!.delete(k);
          for (const [k, s] of read) this.#model!.set(k, s);
        } else this.#model = read;
        timing.readMs = lap();
      }
      const model = this.#model!;
      const ops = planAgainst(desired, model, this.#owned, scope);
      timing.planMs = lap();
      if (ops.length) {
        result.sent += ops.length;
        let failed = await this.#send(ops, model);
        if (failed.length) {
          // The table is not what the model says for these services: read them, plan them again, retry once.
          const ids = new Map(failed.map((f) => [serviceKey(f.op.service), serviceId(f.op.service)]));
          await this.#reread(ids, model);
          const keys = new Set(ids.keys());
          const retry = planAgainst(desired, model, this.#owned, keys);
          result.sent += retry.length;
          const first = failed;
          failed = retry.length ? await this.#send(retry, model) : [];
          result.rolledBack = await this.#rollBack([...ops, ...retry], [...first, ...failed], failed, model);
        }
        result.failed = failed;
        // A service all of whose changes went through holds exactly what was desired: keep that
        // (same order and objects), so the next plan finds it unchanged without building maps.
        const touched = new Set(ops.map((o) => serviceKey(o.service)));
        const refused = new Set(failed.map((f) => serviceKey(f.op.service)));
        for (const want of desired) {
          const key = serviceKey(want.service);
          if (touched.has(key) && !refused.has(key) && model.has(key) && uniqueDestinations(want.destinations)) model.set(key, want);
        }
        timing.sendMs = lap();
      }
    } catch (err) {
      this.#model = undefined; // a failure of the socket, not a refusal: the model may be wrong now
      throw err;
    }
    // Own what is desired; keep owning what could not be removed so a later apply retries it.
    const stillOwned = result.failed.filter((f) => f.op.kind === 'removeService').map((f) => serviceKey(f.op.service));
    if (scope) for (const k of scope) this.#owned.delete(k);
    else this.#owned.clear();
    for (const k of desiredKeys) this.#owned.add(k);
    for (const k of stillOwned) this.#owned.add(k);
    return result;
  }

  /** Removes every owned service (e.g. on losing MASTER, or shutdown). */
  removeAll(): Promise<ApplyResult> {
    return this.apply([]);
  }

  /**
   * One audit step: at the start of a pass, the service list (one dump) shows owned services that
   * are gone or changed; then the destinations of up to `services` owned services are read. What
   * differs from what was applied is put back. Nothing is read before the first apply.
   */
  auditStep(opts: { services?: number } = {}): Promise<AuditResult> {
    this.#auditRun ??= this.#auditStep(opts.services ?? 32).finally(() => {
      this.#auditRun = undefined;
      this.#touchedSinceRead = undefined;
    });
    return this.#auditRun;
  }

  async #auditStep(max: number): Promise<AuditResult> {
    const result: AuditResult = { read: 0, drifted: [], sent: 0, failed: [], passDone: false };
    // Read from a settled model: wait for an apply in flight (its sends would race our reads).
    await this.#serial(async () => undefined);
    const model = this.#model;
    if (!model || this.#owned.size === 0) {
      this.#auditListed = false;
      result.passDone = true;
      return result;
    }
    this.#touchedSinceRead = new Set();
    /** Services the table holds differently from the model: what the model had, what the table has (null = gone). */
    const found = new Map<string, { had: ServiceState; have: ServiceState | null }>();
    if (!this.#auditListed) {
      this.#auditListed = true;
      this.#auditKeys = [...this.#owned].filter((k) => model.has(k));
      const listed = new Map<string, Service>();
      for (const { service } of await this.#client.services()) {
        const key = serviceKey(service);
        if (this.#owned.has(key)) listed.set(key, service);
      }
      const rest: string[] = [];
      for (const key of this.#auditKeys) {
        const had = model.get(key);
        if (!had) continue;
        const service = listed.get(key);
        if (!service) found.set(key, { had, have: null });
        else if (!sameServiceConfig(had.service, service)) {
          // Changed behind our back: its destinations are read now, not later in the pass.
          const destinations = await this.#destinationsOrGone(service);
          result.read++;
          found.set(key, { had, have: destinations ? { service, destinations } : null });
        } else rest.push(key);
      }
      this.#auditKeys = rest;
    }
    for (const key of this.#auditKeys.splice(0, max)) {
      const had = model.get(key);
      if (!had) continue;
      const destinations = await this.#destinationsOrGone(had.service);
      result.read++;
      const have = destinations ? { service: had.service, destinations } : null;
      if (!have || !sameState(had, have)) found.set(key, { had, have });
    }
    if (this.#auditKeys.length === 0) {
      result.passDone = true;
      this.#auditListed = false;
    }
    // Judge and repair in the apply queue, against the model as it is now.
    return this.#serial(async () => {
      const touched = this.#touchedSinceRead!;
      if (touched === 'all' || this.#model !== model) return result;
      const ops: IpvsOp[] = [];
      for (const [key, { had, have }] of found) {
        // An apply changed it while we read: what we read may predate that.
        if (touched.has(key) || model.get(key) !== had) continue;
        planService(had, have ?? undefined, ops);
        result.drifted.push(key);
        // Model the table as it is now; the repair brings it back to what was applied.
        if (have) model.set(key, have);
        else model.delete(key);
      }
      if (ops.length) {
        result.sent = ops.length;
        result.failed = await this.#send(ops, model);
      }
      return result;
    });
  }

  /** The destinations of one service, or undefined when the service is not in the table. */
  async #destinationsOrGone(id: ServiceId): Promise<Destination[] | undefined> {
    try {
      return (await this.#client.destinations(id)).map((d) => d.destination);
    } catch (err) {
      if (err instanceof IpvsError && (err.syscallCode === 'ESRCH' || err.syscallCode === 'ENOENT')) return undefined;
      throw err;
    }
  }

  /** Reads the given services into the model (absent ones leave it). */
  async #reread(ids: ReadonlyMap<string, ServiceId>, model: Map<string, ServiceState>): Promise<void> {
    for (const [key, id] of ids) {
      let service: Service | undefined;
      try {
        service = (await this.#client.service(id)).service;
      } catch (err) {
        if (!(err instanceof IpvsError && err.syscallCode === 'ESRCH')) throw err;
      }
      const dests = service ? await this.#destinationsOrGone(service) : undefined;
      if (service && dests) model.set(key, { service, destinations: dests });
      else model.delete(key);
    }
  }

  /** Sends ops in batches and applies the successful ones to the model. */
  async #send(ops: IpvsOp[], model: Map<string, ServiceState>): Promise<FailedOp[]> {
    const failed: FailedOp[] = [];
    for (let i = 0; i < ops.length; i += this.#batchSize) {
      const chunk = ops.slice(i, i + this.#batchSize);
      const results = await this.#client.batch(chunk);
      results.forEach((err, j) => {
        const op = chunk[j]!;
        if (err) failed.push({ op, error: err });
        else applyToModel(model, op);
      });
    }
    return failed;
  }

  /** Services created by `ops` whose destination ops still fail: remove them (no half-programmed service). */
  async #rollBack(ops: IpvsOp[], everFailed: FailedOp[], failed: FailedOp[], model: Map<string, ServiceState>): Promise<string[]> {
    const failedSet = new Set(everFailed.map((f) => f.op));
    const created = new Set(ops.filter((o) => o.kind === 'createService' && !failedSet.has(o)).map((o) => serviceKey(o.service)));
    const broken = new Map<string, IpvsOp>();
    for (const f of failed) {
      const key = serviceKey(f.op.service);
      if (created.has(key) && 'destination' in f.op) broken.set(key, f.op);
    }
    if (broken.size === 0) return [];
    const removals: IpvsOp[] = [...broken.values()].map((o) => ({ kind: 'removeService', service: serviceId(o.service) }));
    const results = await this.#client.batch(removals);
    results.forEach((err, i) => { if (!err) applyToModel(model, removals[i]!); });
    return [...broken.keys()];
  }
}

function uniqueDestinations(ds: Destination[]): boolean {
  return ds.length < 2 || new Set(ds.map(destinationKey)).size === ds.length;
}

/** What a successful op did to the table. */
function applyToModel(model: Map<string, ServiceState>, op: IpvsOp): void {
  const key = serviceKey(op.service);
  switch (op.kind) {
    case 'createService':
      model.set(key, { service: op.service, destinations: [] });
      return;
    case 'updateService': {
      const had = model.get(key);
      model.set(key, { service: op.service, destinations: had?.destinations ?? [] });
      return;
    }
    case 'removeService':
      model.delete(key);
      return;
    default: {
      const had = model.get(key);
      if (!had) return;
      const dk = destinationKey(op.destination);
      const rest = had.destinations.filter((d) => destinationKey(d) !== dk);
      if (op.kind !== 'removeDestination') {
        // Keep the position of an updated destination: the in-order comparison stays cheap.
        const at = had.destinations.findIndex((d) => destinationKey(d) === dk);
        if (at >= 0) rest.splice(at, 0, op.destination);
        else rest.push(op.destination);
      }
      model.set(key, { service: had.service, destinations: rest });
    }
  }
}
