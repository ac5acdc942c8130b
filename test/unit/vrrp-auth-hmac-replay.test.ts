// auth_hmac sequence numbers, anti-replay and the rollout decision as pure state transitions, with an
// injected clock. The receive rules match what keepalived 2.4.3 does, observed as a black box (a higher
// counter in the same instant is accepted, an equal or lower sequence is a replay, +-window is stale,
// monotonic accepts any age once and then only growth), plus the 2.4.3 clock-step recoveries.
import t from 'tap';
import fc from 'fast-check';
import { encodeAdvertisement } from '../../src/vrrp/packet.js';
import {
  HmacKey, sequenceAt, isNewer, addSequence, skewMs, sequenceSeconds, nextSendSequence, checkFreshness, recordAccepted,
  emptyReplayState, verifyTrailer, decideReceive, authenticateAdvert, countAuth, emptyAuthCounters, signNext, signAdvertisement,
  defaultWindowS, signsAdverts, AUTH_MODES,
  type ReplayPolicy, type ReplayState, type AuthHmacSettings, type AuthMode, type SendSequenceState,
} from '../../src/vrrp/auth-hmac/index.js';

const T0 = Date.UTC(2026, 5, 26, 12, 0, 0); // a whole second
const TIME: ReplayPolicy = { antiReplay: 'time', windowS: 5 };
const MONO: ReplayPolicy = { antiReplay: 'monotonic', windowS: 5 };

t.test('sequenceAt: 32-bit seconds, 1/65536 s fraction, counter 0', async (t) => {
  t.equal(sequenceAt(0x68000000 * 1000 + 500), 0x6800000080000000n, 'the appendix timestamp');
  t.equal(sequenceSeconds(sequenceAt(T0)), T0 / 1000);
  t.equal(sequenceAt(T0 + 999) & 0xffffn, 0n, 'counter starts at 0');
  t.equal((sequenceAt(999.9999) >> 16n) & 0xffffn, 0xffffn, 'fraction never reaches a whole second');
  for (const ms of [T0 + 999.9999999, T0 - 1e-7, T0 + 0.0000001]) {
    const s = sequenceAt(ms);
    t.ok(s >= 0n && s < 1n << 64n && (s & 0xffffn) === 0n, `float edge ${ms}: a valid sequence`);
  }
  t.equal(sequenceSeconds(sequenceAt(2 ** 32 * 1000 + 1000)), 1, 'seconds wrap modulo 2^32 (year 2106)');
  t.equal(skewMs(sequenceAt(T0 + 1500), T0), 1500);
  t.equal(skewMs(sequenceAt(T0), T0 + 2500), -2500);
  t.equal(skewMs(sequenceAt(2 ** 32 * 1000 + 2000), 2 ** 32 * 1000 - 1000), 3000, 'skew across the wrap is small');
});

t.test('isNewer: RFC 1982 serial order on 64 bits', async (t) => {
  t.ok(isNewer(2n, 1n));
  t.notOk(isNewer(1n, 1n), 'equal is not newer');
  t.notOk(isNewer(1n, 2n));
  t.ok(isNewer(0n, (1n << 64n) - 1n), 'across the wrap');
  t.notOk(isNewer(1n << 63n, 0n), 'exactly half the space apart: neither');
  t.notOk(isNewer(0n, 1n << 63n));
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 62n) }), (a, d) => {
    const b = addSequence(a, d + 1n);
    return isNewer(b, a) && !isNewer(a, b);
  }));
});

t.test('sending: clock, tie-breaker, clock steps', async (t) => {
  const step = (s: SendSequenceState, now: number, p: ReplayPolicy = TIME) => nextSendSequence(s, now, p);
  const a = step({}, T0);
  t.equal(a.sequence, sequenceAt(T0));
  const b = step(a.state, T0);
  t.equal(b.sequence, a.sequence + 1n, 'same instant: counter + 1');
  const c = step(b.state, T0 + 1000);
  t.equal(c.sequence, sequenceAt(T0 + 1000), 'next second: from the clock again');
  const back = step(c.state, T0 - 3000);
  t.equal(back.sequence, c.sequence + 1n, 'clock stepped back within the window: keep growing');
  const ahead = step({ last: sequenceAt(T0 + 3_600_000) }, T0);
  t.equal(ahead.sequence, sequenceAt(T0), 'time mode: last ran more than a window ahead (corrected forward step): restart from the clock');
  const mono = step({ last: sequenceAt(T0 + 3_600_000) }, T0, MONO);
  t.equal(mono.sequence, sequenceAt(T0 + 3_600_000) + 1n, 'monotonic: never goes back');
  fc.assert(fc.property(fc.array(fc.integer({ min: -2000, max: 2000 }), { maxLength: 50 }), (deltas) => {
    let s: SendSequenceState = {};
    let now = T0;
    let prev: bigint | undefined;
    for (const d of deltas) {
      now += d;
      const n = step(s, now);
      if (prev !== undefined && Math.abs(skewMs(prev, now)) <= 5000 && !isNewer(n.sequence, prev)) return false;
      prev = n.sequence;
      s = n.state;
    }
    return true;
  })); // while the clock stays within the window of the last advert, every sequence is newer
});

t.test('freshness (time mode): +-window around our clock, inclusive', async (t) => {
  const seq = sequenceAt(T0);
  t.ok(checkFreshness(emptyReplayState, 's', seq, T0 + 5000, TIME).ok, '5 s old: fresh');
  t.ok(checkFreshness(emptyReplayState, 's', seq, T0 - 5000, TIME).ok, '5 s ahead: fresh');
  const old = checkFreshness(emptyReplayState, 's', seq, T0 + 5001, TIME);
  t.same([old.ok, !old.ok && old.reason], [false, 'stale']);
  const fut = checkFreshness(emptyReplayState, 's', seq, T0 - 5001, TIME);
  t.same([fut.ok, !fut.ok && fut.reason], [false, 'stale']);
  t.ok(checkFreshness(emptyReplayState, 's', sequenceAt(T0 - 3_600_000), T0, MONO).ok, 'monotonic: any age is fine the first time');
});

t.test('replay marks: strictly above the last accepted, per sender', async (t) => {
  let st: ReplayState = emptyReplayState;
  const seq = sequenceAt(T0);
  st = recordAccepted(st, 'a', seq, TIME);
  const again = checkFreshness(st, 'a', seq, T0, TIME);
  t.same([again.ok, !again.ok && again.reason], [false, 'replay'], 'the same sequence again');
  const lower = checkFreshness(st, 'a', sequenceAt(T0 - 100), T0, TIME);
  t.same([lower.ok, !lower.ok && lower.reason], [false, 'replay'], '100 ms earlier');
  t.ok(checkFreshness(st, 'a', seq + 1n, T0, TIME).ok, 'same instant, counter + 1');
  t.ok(checkFreshness(st, 'b', seq, T0, TIME).ok, 'another sender has its own mark');
  // 2.4.3: a mark outside the window is forgotten (time mode only), so a corrected sender is heard again.
  const ahead = recordAccepted(emptyReplayState, 'a', sequenceAt(T0 + 4000), TIME); // accepted at T0 (4 s ahead)
  t.notOk(checkFreshness(ahead, 'a', sequenceAt(T0 + 1000), T0 + 1000, TIME).ok, 'behind the mark, mark in the window: replay');
  t.ok(checkFreshness(ahead, 'a', sequenceAt(T0 - 1200), T0 - 1200, TIME).ok, 'receiver clock stepped back 1.2 s: the mark left the window');
  const monoAhead = recordAccepted(emptyReplayState, 'a', sequenceAt(T0 + 3_600_000), MONO);
  t.notOk(checkFreshness(monoAhead, 'a', sequenceAt(T0), T0, MONO).ok, 'monotonic: marks never expire');
});

t.test('replay table is bounded: the least recently accepted sender goes first', async (t) => {
  const p: ReplayPolicy = { ...TIME, replaySenders: 2 };
  let st = recordAccepted(emptyReplayState, 'a', 10n, p);
  st = recordAccepted(st, 'b', 10n, p);
  st = recordAccepted(st, 'a', 11n, p);
  st = recordAccepted(st, 'c', 10n, p);
  t.same([...st.marks.keys()].sort(), ['a', 'c']);
  t.equal(recordAccepted(emptyReplayState, 'x', 1n, TIME).marks.size, 1);
  const full = Array.from({ length: 40 }, (_, i) => `10.0.0.${i}`).reduce((s, a) => recordAccepted(s, a, 1n, TIME), emptyReplayState);
  t.equal(full.marks.size, 32, 'default: 32 senders');
});

// --- Through the verifier: only authentic adverts move the state ------------------------------------

const KEY1 = new HmacKey(1, Buffer.alloc(32, 0x11));
const KEY2 = new HmacKey(2, Buffer.alloc(48, 0x22));
const SRC = '10.7.0.11';
const MSG = encodeAdvertisement({ version: 3, vrid: 51, priority: 254, advertIntervalCs: 100, family: 4, addresses: ['10.7.0.100'] }, { source: SRC, destination: '224.0.0.18' });
const signed = (sequence: bigint, key = KEY1) => signAdvertisement(MSG, { family: 4, source: SRC, key, sequence });
const settings = (mode: AuthMode = 'enforce', keys = [KEY1], activeKeyId = 1): AuthHmacSettings =>
  ({ keys: new Map(keys.map((k) => [k.id, k])), activeKeyId, mode, antiReplay: 'time', windowS: 5 });

t.test('forged and failed adverts never move the replay state', async (t) => {
  const s = settings();
  const ok = verifyTrailer(signed(sequenceAt(T0)), { family: 4, source: SRC, nowMs: T0 }, s, emptyReplayState);
  t.ok(ok.ok);
  const st = ok.replay;
  const far = signed(sequenceAt(T0 + 4000));
  far[far.length - 1] = far[far.length - 1]! ^ 1;
  const forged = verifyTrailer(far, { family: 4, source: SRC, nowMs: T0 }, s, st);
  t.equal(forged.ok ? 'ok' : forged.reason, 'bad-hmac');
  t.equal(forged.replay, st, 'same state object back');
  const stale = verifyTrailer(signed(sequenceAt(T0 - 60_000)), { family: 4, source: SRC, nowMs: T0 }, s, st);
  t.equal(stale.ok ? 'ok' : stale.reason, 'stale');
  t.equal(stale.replay, st);
  const next = verifyTrailer(signed(sequenceAt(T0 + 1000)), { family: 4, source: SRC, nowMs: T0 + 1000 }, s, st);
  t.ok(next.ok, 'the real sender carries on');
  t.equal(next.ok && next.replay.marks.get(SRC)?.sequence, sequenceAt(T0 + 1000));
  const skewed = verifyTrailer(signed(sequenceAt(T0 + 4000)), { family: 4, source: SRC, nowMs: T0 + 1000 }, s, next.replay);
  t.ok(skewed.ok && skewed.skewWarning, '3 s off with a 5 s window: accepted, with a clock skew warning');
});

t.test('rollout modes: what is sent, accepted and counted', async (t) => {
  t.same(AUTH_MODES.map(signsAdverts), [true, true, false], 'enforce and permissive sign, receive-only does not');
  const facts = { family: 4 as const, source: SRC, nowMs: T0 };
  const cases: Array<[string, Buffer, Record<AuthMode, [boolean, string, string]>]> = [
    ['valid trailer', signed(sequenceAt(T0)),
      { enforce: [true, 'authenticated', 'none'], permissive: [true, 'authenticated', 'none'], 'receive-only': [true, 'authenticated', 'none'] }],
    ['no trailer', MSG,
      { enforce: [false, 'missingTrailer', 'warn'], permissive: [true, 'missingTrailer', 'info'], 'receive-only': [true, 'missingTrailer', 'info'] }],
    ['wrong key', signed(sequenceAt(T0), new HmacKey(1, Buffer.alloc(32, 0x99))),
      { enforce: [false, 'invalidHmac', 'warn'], permissive: [false, 'invalidHmac', 'warn'], 'receive-only': [false, 'invalidHmac', 'warn'] }],
    ['unknown key id', signed(sequenceAt(T0), KEY2),
      { enforce: [false, 'unknownKey', 'warn'], permissive: [false, 'unknownKey', 'warn'], 'receive-only': [false, 'unknownKey', 'warn'] }],
    ['stale', signed(sequenceAt(T0 - 10_000)),
      { enforce: [false, 'stale', 'warn'], permissive: [false, 'stale', 'warn'], 'receive-only': [false, 'stale', 'warn'] }],
    ['27-byte trailer', signed(sequenceAt(T0)).subarray(0, MSG.length + 27),
      { enforce: [false, 'malformed', 'warn'], permissive: [false, 'malformed', 'warn'], 'receive-only': [false, 'malformed', 'warn'] }],
  ];
  for (const [what, payload, byMode] of cases) {
    for (const mode of AUTH_MODES) {
      const d = authenticateAdvert(payload, facts, settings(mode), emptyReplayState);
      t.same([d.accept, d.counter, d.log], byMode[mode], `${what}, ${mode}`);
      if (d.accept) t.same(d.message, MSG, `${what}, ${mode}: the state machine gets the message without the trailer`);
    }
  }
  const replayed = signed(sequenceAt(T0));
  const first = authenticateAdvert(replayed, facts, settings('permissive'), emptyReplayState);
  const second = authenticateAdvert(replayed, facts, settings('permissive'), first.replay);
  t.same([second.accept, second.counter], [false, 'replay'], 'a replayed real advert is dropped even in permissive mode');
  const counters = [first, second].reduce(countAuth, emptyAuthCounters());
  t.same([counters.authenticated, counters.replay, counters.invalidHmac], [1, 1, 0]);
});

t.test('key rotation: receivers accept every configured id, the sender signs with active_key', async (t) => {
  const both = settings('enforce', [KEY1, KEY2], 1);
  const facts = { family: 4 as const, source: SRC, nowMs: T0 };
  t.ok(authenticateAdvert(signed(sequenceAt(T0), KEY1), facts, both, emptyReplayState).accept, 'old key');
  t.ok(authenticateAdvert(signed(sequenceAt(T0), KEY2), facts, both, emptyReplayState).accept, 'new key');
  // Make before break: 1 -> {1,2} active 1 -> {1,2} active 2 -> {2}.
  let st: SendSequenceState = {};
  let replay = emptyReplayState;
  const plan: Array<[AuthHmacSettings, AuthHmacSettings, number]> = [
    [settings('enforce', [KEY1, KEY2], 1), settings('enforce', [KEY1]), 1],
    [settings('enforce', [KEY1, KEY2], 2), settings('enforce', [KEY1, KEY2], 1), 2],
    [settings('enforce', [KEY2], 2), settings('enforce', [KEY1, KEY2], 2), 2],
  ];
  let now = T0;
  for (const [sender, receiver, id] of plan) {
    now += 1000;
    const out = signNext(st, MSG, { family: 4, source: SRC }, now, sender);
    st = out.state;
    t.equal(out.payload[MSG.length + 1], id, `signed with key ${id}`);
    const d = authenticateAdvert(out.payload, { family: 4, source: SRC, nowMs: now }, receiver, replay);
    t.ok(d.accept, `receiver with keys [${[...receiver.keys.keys()]}] accepts key ${id}`);
    replay = d.replay;
  }
  const ro = signNext({}, MSG, { family: 4, source: SRC }, now, settings('receive-only'));
  t.same([ro.payload, ro.state, ro.sequence], [MSG, {}, undefined], 'receive-only sends the bare advert and keeps no sequence');
});

t.test('default time_window, as keepalived 2.4.3 computes it', async (t) => {
  // keepalived's own dump ("Anti replay = time, window = N sec") for these advert_int values.
  const seen: Array<[number, number]> = [[0.01, 5], [0.5, 5], [1, 5], [1.67, 5], [1.9, 5], [2, 6], [2.1, 6], [2.34, 6], [2.5, 6], [3, 9], [6.6, 18], [10, 30], [40, 120], [100, 300], [255, 300]];
  for (const [adv, w] of seen) t.equal(defaultWindowS(adv), w, `advert_int ${adv} -> ${w}`);
});
