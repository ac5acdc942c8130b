// The auth_hmac state of one running instance: its settings, the replay marks of the senders it
// heard, the sequence of the last advert it signed, and its counters. The decisions are the pure
// core's (auth-hmac/); this keeps their results between adverts, across in-place reloads and, through
// the router's memory, across restarts of the instance (a replayed advert must not pass because the
// instance restarted).
import { countAuth, emptyAuthCounters, type AuthHmacCounters, type AuthOutcome, type ReceiveDecision } from './auth-hmac/decision.js';
import { mask } from './auth-hmac/keys.js';
import { emptyReplayState, type ReplayState } from './auth-hmac/replay.js';
import type { AntiReplay, SendSequenceState } from './auth-hmac/sequence.js';
import { readdress, signNext } from './auth-hmac/sign.js';
import { signsAdverts, type AuthHmacSettings, type AuthMode } from './auth-hmac/settings.js';
import type { IpVersion } from './types.js';
import type { AuthCheck } from './validate.js';

/** What outlives one VrrpInstance object: kept by the router per link, family and VRID. */
export interface AuthHmacMemory {
  readonly replay: ReplayState;
  readonly send: SendSequenceState;
}

/** auth_hmac in `vipd status`: keys masked (id, size, origin), never a byte of them. */
export interface AuthHmacStatus {
  mode: AuthMode;
  activeKey: number;
  keys: string[];
  antiReplay: AntiReplay;
  timeWindowS: number;
  /** Senders whose last accepted sequence is remembered. */
  senders: number;
  counters: AuthHmacCounters;
}

/** An accepted advert worth a log line: a tolerated missing trailer, or a sender's clock drifting. */
export interface AuthNoticeEvent {
  instance: string;
  source: string;
  level: 'info' | 'warn';
  outcome: AuthOutcome;
  detail: string;
}

/** Signs one round of adverts: the first destination's, then the others with the same trailer. */
export type AdvertSigner = (message: Buffer, to: string) => Buffer;

export class InstanceAuth {
  #settings: AuthHmacSettings;
  #wall: () => number;
  #replay: ReplayState;
  #send: SendSequenceState;
  #counters: AuthHmacCounters = emptyAuthCounters();

  constructor(settings: AuthHmacSettings, wall: () => number, memory?: AuthHmacMemory) {
    this.#settings = settings;
    this.#wall = wall;
    this.#replay = memory?.replay ?? emptyReplayState;
    this.#send = memory?.send ?? {};
  }

  get settings(): AuthHmacSettings {
    return this.#settings;
  }

  /** New keys or mode (SIGHUP): the replay marks, the send sequence and the counters stay. */
  update(settings: AuthHmacSettings): void {
    this.#settings = settings;
  }

  /** The receive checks' input for one advert. */
  check(): AuthCheck {
    return { settings: this.#settings, replay: this.#replay, nowMs: this.#wall() };
  }

  /** After the checks decided: the replay state (moved only by an accepted, authenticated advert) and the counters. */
  record(d: ReceiveDecision): void {
    this.#replay = d.replay;
    this.#counters = countAuth(this.#counters, d);
  }

  /** A signer for one round (wall-clock sequence); receive-only mode sends adverts unchanged. */
  signer(family: IpVersion, source: string): AdvertSigner {
    if (!signsAdverts(this.#settings.mode)) return (message) => message;
    let first: Buffer | undefined;
    return (message, to) => {
      if (first) return readdress(first, message, family, source, to);
      const out = signNext(this.#send, message, { family, source, destination: to }, this.#wall(), this.#settings);
      this.#send = out.state;
      first = out.payload;
      return first;
    };
  }

  /** Runs the signing code once without keeping anything (the first real advert then costs less). */
  warmUp(message: Buffer, family: IpVersion, source: string, to: string): void {
    signNext(this.#send, message, { family, source, destination: to }, this.#wall(), this.#settings);
  }

  memory(): AuthHmacMemory {
    return { replay: this.#replay, send: this.#send };
  }

  status(): AuthHmacStatus {
    const s = this.#settings;
    return {
      mode: s.mode, activeKey: s.activeKeyId, keys: [...s.keys.values()].map(mask), antiReplay: s.antiReplay, timeWindowS: s.windowS,
      senders: this.#replay.marks.size, counters: this.#counters,
    };
  }
}

/** The notice an accepted advert deserves, if any. */
export function authNotice(instance: string, source: string, d: ReceiveDecision, mode: AuthMode): AuthNoticeEvent | undefined {
  if (!d.accept) return undefined;
  if (d.outcome === 'missing') return { instance, source, level: 'info', outcome: d.outcome, detail: `advert without an auth_hmac trailer accepted (mode ${mode})` };
  if (d.skewWarning) return { instance, source, level: 'warn', outcome: d.outcome, detail: "the sender's clock is more than half the time window off ours (anti_replay time needs synchronised clocks)" };
  return undefined;
}

/**
 * What differs between two auth_hmac settings, in words an operator reads in a log (never key
 * material: changed key bytes are "key N changed"). Empty: the same. Compares key bytes in constant time.
 */
export function authHmacChanges(a: AuthHmacSettings | undefined, b: AuthHmacSettings | undefined): string[] {
  if (!a || !b) return a === b ? [] : [b ? `auth_hmac on (mode ${b.mode})` : 'auth_hmac off'];
  const out: string[] = [];
  if (a.mode !== b.mode) out.push(`mode ${a.mode} -> ${b.mode}`);
  if (a.activeKeyId !== b.activeKeyId) out.push(`active_key ${a.activeKeyId} -> ${b.activeKeyId}`);
  for (const [id, k] of a.keys) {
    const n = b.keys.get(id);
    if (!n) out.push(`key ${id} removed`);
    else if (!k.sameMaterial(n)) out.push(`key ${id} changed`);
  }
  for (const id of b.keys.keys()) if (!a.keys.has(id)) out.push(`key ${id} added`);
  if (a.antiReplay !== b.antiReplay) out.push(`anti_replay ${a.antiReplay} -> ${b.antiReplay}`);
  if (a.windowS !== b.windowS) out.push(`time_window ${a.windowS} -> ${b.windowS}`);
  if ((a.replaySenders ?? 0) !== (b.replaySenders ?? 0)) out.push('replay senders');
  return out;
}
