// The adapter to the addon's advert thread (native/advert.c): schedules handed over, leases renewed
// from an ordinary timer of the router's clock (so the loop-health instrumentation still sees how
// late the loop runs), the thread's counters and send errors handed back to each schedule's owner.
// What may be offloaded, and when, is advert-offload.ts's.
import { ADVERT_COUNTERS, nativeAddon, type NativeAddon } from '../netif/native.js';
import type { Clock } from './clock.js';
import { renewEveryMs, type OffloadPlan } from './advert-offload.js';

/** What the thread did for one schedule since the last report. */
export interface AdvertCounts {
  sent: number;
  /** Sent more than one interval after it was due. */
  late: number;
  /** The worst of those, ms (0: none). */
  worstLateMs: number;
  /** When the next is due, ms from now. */
  nextInMs: number;
}

/** Where a schedule's messages go: the channel's socket and, per destination, sockaddr and control. */
export interface OffloadTarget {
  fd: number;
  routes: ReadonlyArray<{ dest: Buffer; control: Buffer }>;
}

export interface ScheduleOwner {
  /** Counters since the last report: at every renewal, and the last ones at stop(). */
  counted(c: AdvertCounts): void;
  /** A send of the advert to the plan's destination `index` failed. */
  failed(index: number, error: NodeJS.ErrnoException): void;
}

/** One instance's schedule: set() hands a plan over (again), stop() takes it back. */
export interface AdvertSchedule {
  readonly active: boolean;
  /** Starts or replaces the schedule; the first advert firstInMs from now (undefined: keep the running deadline). Throws when the addon cannot. */
  set(plan: OffloadPlan, target: OffloadTarget, firstInMs?: number): void;
  /** Stops it: once this returns, the thread sends nothing more of it. */
  stop(): void;
}

/** What an instance needs of the sender (a fake in unit tests). */
export interface AdvertScheduler {
  open(owner: ScheduleOwner): AdvertSchedule;
}

// The addon has one send-error callback per env (this module's copy): schedules by id.
let nextId = 1;
const owners = new Map<number, ScheduleOwner>();
let callbackSet: NativeAddon | undefined;

function listen(native: NativeAddon): void {
  if (callbackSet === native) return;
  native.advertCallback((errors) => {
    for (const [id, index, error] of errors) owners.get(id)?.failed(index, error);
  });
  callbackSet = native;
}

function counts(out: Float64Array, at: number): AdvertCounts {
  return { sent: out[at]!, late: out[at + 1]!, worstLateMs: out[at + 2]!, nextInMs: out[at + 3]! };
}

export class AdvertSender implements AdvertScheduler {
  #clock: Clock;
  #native: NativeAddon | undefined;
  #load: () => NativeAddon;
  /** Active schedules: id -> lease ms. */
  #leases = new Map<number, number>();
  #timer: unknown;
  #timerEvery = 0;
  /** advertRenew's arguments, reused while the number of schedules stays. */
  #ids = new Int32Array(0);
  #out = new Float64Array(0);

  constructor(clock: Clock, load: () => NativeAddon = nativeAddon) {
    this.#clock = clock;
    this.#load = load;
  }

  #addon(): NativeAddon {
    if (!this.#native) {
      const native = this.#load();
      listen(native);
      this.#native = native;
    }
    return this.#native;
  }

  open(owner: ScheduleOwner): AdvertSchedule {
    const id = nextId++;
    const sender = this;
    let active = false;
    return {
      get active() { return active; },
      set(plan, target, firstInMs) {
        const native = sender.#addon();
        // -1: the running schedule keeps its deadline.
        const first = firstInMs !== undefined ? Math.max(0, firstInMs) : active ? -1 : plan.intervalMs;
        native.advertSchedule(
          id, target.fd, plan.adverts.map((a) => a.message), target.routes.map((r) => r.dest), target.routes.map((r) => r.control),
          plan.intervalMs, first, plan.leaseMs,
        );
        owners.set(id, owner);
        active = true;
        sender.#leases.set(id, plan.leaseMs);
        sender.#arm();
      },
      stop() {
        if (!active) return;
        active = false;
        sender.#leases.delete(id);
        const out = new Float64Array(ADVERT_COUNTERS);
        const had = sender.#addon().advertStop(id, out);
        owners.delete(id);
        if (had) owner.counted(counts(out, 0));
        if (sender.#leases.size === 0) sender.#disarm();
      },
    };
  }

  #arm(): void {
    const every = renewEveryMs(this.#leases.values());
    if (this.#timer !== undefined && every >= this.#timerEvery) return;
    this.#disarm();
    this.#timerEvery = every;
    this.#timer = this.#clock.setTimeout(() => this.#renew(), every);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #renew(): void {
    this.#timer = undefined;
    if (this.#leases.size === 0) return;
    if (this.#ids.length !== this.#leases.size) {
      this.#ids = new Int32Array(this.#leases.size);
      this.#out = new Float64Array(this.#leases.size * ADVERT_COUNTERS);
    }
    const ids = this.#ids;
    const out = this.#out;
    let k = 0;
    for (const id of this.#leases.keys()) ids[k++] = id;
    this.#addon().advertRenew(ids, out);
    for (let i = 0; i < ids.length; i++) {
      if (out[i * ADVERT_COUNTERS]! < 0) continue; // stopped meanwhile
      owners.get(ids[i]!)?.counted(counts(out, i * ADVERT_COUNTERS));
    }
    if (this.#leases.size) this.#arm();
  }

  /** Stops renewing (the schedules' owners stop them; a lease left alone runs out by itself). */
  close(): void {
    this.#disarm();
  }
}
