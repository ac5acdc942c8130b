// auth_hmac through a whole VrrpInstance (the real receive and send paths) on a virtual clock and a
// virtual wall clock: what a master signs, what a backup accepts, every single-byte forgery dropped
// with its reason before the state machine, floods that leave the master's rhythm alone, the rollout
// modes and key rotation applied in place, replay marks kept across a restart, keys never printed.
import t from 'tap';
import { inspect } from 'node:util';
import { VrrpInstance, type DropEvent, type InstanceConfig, type StateChange } from '../../src/vrrp/instance.js';
import { resolveInstanceConfig, type AuthHmacConfig } from '../../src/vrrp/instance-config.js';
import { encodeAdvertisement } from '../../src/vrrp/packet.js';
import { internetChecksum, pseudoHeaderSum } from '../../src/vrrp/checksum.js';
import { ipToBytes } from '../../src/netif/ip-address.js';
import {
  HmacKey, decodeTrailer, emptyReplayState, messageLength, sequenceAt, signAdvertisement, verifyTrailer, TRAILER_LENGTH, type VerifyPolicy,
} from '../../src/vrrp/auth-hmac/index.js';
import type { AuthHmacMemory } from '../../src/vrrp/instance-auth.js';
import type { Advertisement } from '../../src/vrrp/types.js';
import { ConfigError } from '../../src/errors.js';
import { FakeAnnouncer, FakeChannel, VirtualClock, fakeEnv, payloadDatagram, settle, type FakeEnv } from '../helpers/vrrp-fakes.js';

const WALL0 = Date.UTC(2026, 11, 1, 12);
const ASCII_KEY = 'k0s-vipd-auth-hmac-test-key-one!';
const KEY1 = new HmacKey(1, Buffer.from(ASCII_KEY), { kind: 'ascii' });
const KEY2 = new HmacKey(2, Buffer.alloc(48, 0x5c));
const POLICY: VerifyPolicy = { keys: new Map([[1, KEY1], [2, KEY2]]), antiReplay: 'time', windowS: 5 };
const VIP = '10.0.0.100';
const VIP6 = 'fd00::100';
const MASTER = '10.0.0.1';
/** Master_Down_Interval of a priority-100 backup with 1 s adverts. */
const MDI = 3609;

/** A fake host on `clock` whose wall clock is WALL0 + virtual time. */
function envOn(clock: VirtualClock | undefined, opts: Parameters<typeof fakeEnv>[0] = {}): FakeEnv {
  const e = fakeEnv(opts);
  if (clock) {
    e.clock = clock;
    e.channel = new FakeChannel(clock, opts.family ?? 4);
    e.announce = new FakeAnnouncer(clock);
  }
  e.wallClock = () => WALL0 + e.clock.now();
  return e;
}

const wall = (e: FakeEnv) => WALL0 + e.clock.now();

function instance(e: FakeEnv, over: Partial<InstanceConfig> = {}, auth: AuthHmacConfig | null = { keys: [KEY1], activeKeyId: 1 }) {
  const cfg: InstanceConfig = { name: 'vi', vrid: 51, interface: 'eth0', version: 3, virtualAddresses: [`${VIP}/24`], ...over };
  const inst = new VrrpInstance(auth ? { ...cfg, authHmac: auth } : cfg, e);
  e.channel.deliver = (d) => inst.receive(d);
  const states: StateChange[] = [];
  const drops: DropEvent[] = [];
  inst.on('state', (s) => states.push(s));
  inst.on('drop', (d) => drops.push(d));
  return { inst, states, drops };
}

interface PeerAdvert { priority?: number; key?: HmacKey | null; atMs: number; source?: string; family?: 4 | 6; version?: 2 | 3 }

/** The VRRP payload another router sends: signed with `key` (KEY1; null: no trailer) at wall time `atMs`. */
function peerPayload(o: PeerAdvert): Buffer {
  const family = o.family ?? 4;
  const version = o.version ?? 3;
  const source = o.source ?? (family === 6 ? 'fe80::1' : MASTER);
  const destination = family === 6 ? 'ff02::12' : '224.0.0.18';
  const adv: Advertisement = {
    version, vrid: 51, priority: o.priority ?? 200, advertIntervalCs: 100, family, addresses: [family === 6 ? VIP6 : VIP], ...(version === 2 ? { authType: 0 } : {}),
  };
  const message = encodeAdvertisement(adv, { source, destination });
  return o.key === null ? message : signAdvertisement(message, { family, source, destination, key: o.key ?? KEY1, sequence: sequenceAt(o.atMs) });
}

function hear(inst: VrrpInstance, o: PeerAdvert, payload = peerPayload(o)): void {
  const family = o.family ?? 4;
  inst.receive(payloadDatagram(payload, family, o.source ?? (family === 6 ? 'fe80::1' : MASTER)));
}

t.test('a master signs every advert with the active key, priority 0 included; each sequence above the last', async (t) => {
  const e = envOn(undefined);
  const { inst } = instance(e);
  await inst.start();
  e.clock.advance(MDI + 3000);
  await settle();
  await inst.stop();
  const sent = e.channel.sent;
  t.ok(sent.length >= 4, `${sent.length} adverts`);
  let replay = emptyReplayState;
  for (const s of sent) {
    t.equal(s.message.length, messageLength(s.message, 4)! + TRAILER_LENGTH, 'message + trailer');
    const v = verifyTrailer(s.message, { family: 4, source: s.source, nowMs: WALL0 + s.at }, POLICY, replay);
    t.ok(v.ok, `advert at ${s.at} ms (priority ${s.advert.priority}) verifies in order`);
    if (!v.ok) continue;
    replay = v.replay;
    t.equal(v.keyId, 1, 'active_key 1');
    t.ok(Math.abs(v.skewMs) < 1, 'stamped with the wall clock');
  }
  t.equal(sent.at(-1)!.advert.priority, 0, 'the resigning advert carries a trailer too');
});

t.test('unicast: one HMAC per round, each peer gets its own checksum (v3 IPv4 and IPv6)', async (t) => {
  const cases = [
    { family: 4 as const, over: { unicastPeers: ['10.0.0.3', '10.0.0.4'] } },
    { family: 6 as const, over: { virtualAddresses: [`${VIP6}/64`], unicastSource: 'fd00::2', unicastPeers: ['fd00::3', 'fd00::4'] } },
  ];
  for (const c of cases) {
    const e = envOn(undefined, { family: c.family });
    const { inst } = instance(e, c.over);
    await inst.start();
    e.clock.advance(MDI + 1000);
    const round = e.channel.sent.slice(-2);
    t.same(round.map((s) => s.to), c.over.unicastPeers, `IPv${c.family}: one copy per peer (each parsed with its destination's checksum)`);
    const [x, y] = round.map((s) => s.message);
    const m = messageLength(x!, c.family)!;
    t.equal(x!.subarray(m).toString('hex'), y!.subarray(m).toString('hex'), `IPv${c.family}: the same trailer (one sequence, one HMAC)`);
    t.not(x!.readUInt16BE(6), y!.readUInt16BE(6), `IPv${c.family}: checksums differ (they cover the destination)`);
    for (const s of round) t.ok(verifyTrailer(s.message, { family: c.family, source: s.source, nowMs: WALL0 + s.at }, POLICY, emptyReplayState).ok, `IPv${c.family} to ${s.to}: verifies`);
    await inst.stop();
  }
});

t.test('receive-only sends adverts unchanged', async (t) => {
  const e = envOn(undefined);
  const { inst } = instance(e, {}, { keys: [KEY1], activeKeyId: 1, mode: 'receive-only' });
  await inst.start();
  e.clock.advance(MDI + 2000);
  t.ok(e.channel.sent.length >= 2);
  t.ok(e.channel.sent.every((s) => s.message.length === messageLength(s.message, 4)), 'no trailer');
  t.match(inst.status().authHmac, { mode: 'receive-only', activeKey: 1 });
  await inst.stop();
});

// ---- Every byte, flipped, through VrrpInstance.receive --------------------------------------------

interface FlipCase { name: string; family: 4 | 6; version: 2 | 3; over: Partial<InstanceConfig> }
const FLIPS: FlipCase[] = [
  { name: 'v3 IPv4', family: 4, version: 3, over: {} },
  { name: 'v3 IPv6', family: 6, version: 3, over: { virtualAddresses: [`${VIP6}/64`] } },
  { name: 'v2', family: 4, version: 2, over: { version: 2 } },
];

/** The forger's checksum over what the receiver checks (IPv6: the whole payload, trailer included). */
function fixChecksum(c: FlipCase, p: Buffer, source: string): void {
  const m = messageLength(p, c.family)!;
  if (m + TRAILER_LENGTH !== p.length) return; // a flipped address count: nothing to fix
  const end = c.family === 6 ? p.length : m;
  p.writeUInt16BE(0, 6);
  const seed = c.version === 2 ? 0 : pseudoHeaderSum(ipToBytes(source), ipToBytes(c.family === 6 ? 'ff02::12' : '224.0.0.18'), end);
  p.writeUInt16BE(internetChecksum(p.subarray(0, end), seed), 6);
}

/** Why a payload with byte `i` XOR 0xff is dropped; `fixed`: the checksum was recomputed after the flip. */
function expectedDrop(c: FlipCase, m: number, i: number, fixed: boolean): string {
  if (i === 0) return 'version'; // 0x31 / 0x21 -> version 12 / 13
  if (i === 3) return 'length'; // 254 addresses do not fit
  const covered = c.family === 6 || i < m; // by the RFC checksum
  if (covered && !fixed) return 'checksum';
  if (i === 1) return 'vrid';
  if (i < m) return 'auth-bad-hmac'; // priority, interval, auth fields, addresses: all under the HMAC
  const tOff = i - m;
  if (tOff === 0 || tOff === 2 || tOff === 3) return 'auth-malformed'; // extension type, reserved
  if (tOff === 1) return 'auth-unknown-key';
  return 'auth-bad-hmac'; // sequence, HMAC
}

t.test('one flipped byte anywhere is dropped with its reason before the state machine', async (t) => {
  for (const c of FLIPS) {
    const e = envOn(undefined, { family: c.family });
    const { inst, states, drops } = instance(e, c.over);
    await inst.start();
    const source = c.family === 6 ? 'fe80::1' : MASTER;
    hear(inst, { family: c.family, version: c.version, atMs: wall(e) });
    t.equal(inst.stats.rcvdAdvertisements, 1, `${c.name}: the genuine advert is accepted`);
    const masterDownAt = inst.status().timers.masterDownAt;
    const genuine = peerPayload({ family: c.family, version: c.version, atMs: wall(e) + 200 });
    const m = messageLength(genuine, c.family)!;
    let checked = 0;
    for (let i = 0; i < genuine.length; i++) {
      for (const fixed of i === 6 || i === 7 ? [false] : [false, true]) {
        const p = Buffer.from(genuine);
        p[i] = p[i]! ^ 0xff;
        if (fixed) fixChecksum(c, p, source);
        const before = drops.length;
        hear(inst, { family: c.family, version: c.version, atMs: 0 }, p);
        const want = expectedDrop(c, m, i, fixed);
        const got = drops.length === before + 1 ? drops.at(-1)!.reason : `${drops.length - before} drops`;
        if (got !== want) t.equal(got, want, `${c.name} byte ${i}${fixed ? ', checksum fixed' : ''}`);
        else checked++;
      }
    }
    t.equal(checked, genuine.length * 2 - 2, `${c.name}: every flip of the ${genuine.length} bytes dropped with its reason`);
    // The genuine payload from another source (checksum fixed for it): the HMAC binds the sender.
    const moved = Buffer.from(genuine);
    const other = c.family === 6 ? 'fe80::9' : '10.0.0.9';
    fixChecksum(c, moved, other);
    hear(inst, { family: c.family, version: c.version, atMs: 0, source: other }, moved);
    t.equal(drops.at(-1)?.reason, 'auth-bad-hmac', `${c.name}: the same advert from another source is a bad HMAC`);
    t.equal(inst.status().timers.masterDownAt, masterDownAt, `${c.name}: no forgery moved the master-down timer`);
    t.equal(inst.stats.rcvdAdvertisements, 1, `${c.name}: none reached the state machine`);
    t.same(states.map((s) => s.state), ['backup'], `${c.name}: still backup`);
    hear(inst, { family: c.family, version: c.version, atMs: wall(e) + 200 }, genuine);
    t.equal(inst.stats.rcvdAdvertisements, 2, `${c.name}: the untouched advert is still accepted (forgeries did not move the replay state)`);
    const counters = inst.status().authHmac!.counters;
    t.equal(counters.authenticated, 2, `${c.name}: two authenticated`);
    t.ok(counters.invalidHmac > 0 && counters.malformed > 0 && counters.unknownKey > 0, `${c.name}: counted by reason`);
    t.equal(inst.stats.authFailures, counters.invalidHmac + counters.malformed + counters.unknownKey, `${c.name}: every auth drop is an authentication failure`);
    await inst.stop();
  }
});

// ---- Floods --------------------------------------------------------------------------------------

t.test('forged and replayed priority-254 adverts at 20/s: the master keeps the VIP and its rhythm', async (t) => {
  const e = envOn(undefined);
  const { inst, states, drops } = instance(e, { priority: 200 });
  await inst.start();
  // A real priority-254 router P is master first; A (200) hears it, then P dies without a word.
  const P = '10.0.0.3';
  const captured: Buffer[] = [];
  for (let s = 0; s < 3; s++) {
    const p = peerPayload({ priority: 254, source: P, atMs: wall(e) });
    captured.push(p);
    hear(inst, { source: P, atMs: 0 }, p);
    e.clock.advance(1000);
  }
  e.clock.advance(MDI);
  t.equal(inst.state, 'master', 'A takes over once P is gone');
  const since = e.clock.now();
  const sentBefore = e.channel.sent.length;
  const forged = [
    () => peerPayload({ priority: 254, source: '10.0.0.9', key: null, atMs: 0 }),
    () => peerPayload({ priority: 254, source: '10.0.0.9', key: new HmacKey(1, Buffer.alloc(32, 0x42)), atMs: wall(e) }),
    () => peerPayload({ priority: 254, source: '10.0.0.9', key: new HmacKey(9, Buffer.alloc(32, 0x42)), atMs: wall(e) }),
    () => captured[2]!,
  ];
  const sources = ['10.0.0.9', '10.0.0.9', '10.0.0.9', P];
  for (let n = 0; n < 200; n++) { // 10 s at 20/s
    hear(inst, { source: sources[n % 4]!, atMs: 0 }, forged[n % 4]!());
    e.clock.advance(50);
  }
  t.same(states.map((s) => s.state), ['backup', 'master'], 'no transition during the flood');
  const sent = e.channel.sent.slice(sentBefore).map((s) => s.at);
  const gaps = sent.slice(1).map((x, i) => x - sent[i]!);
  t.equal(sent.length, 10, '10 adverts in 10 s');
  t.same([...new Set(gaps)], [1000], 'every gap exactly one interval');
  t.ok(sent[0]! - since <= 1000, 'the first within an interval');
  const reasons = (r: string) => drops.filter((d) => d.reason === r).length;
  t.same({ missing: reasons('auth-missing'), badHmac: reasons('auth-bad-hmac'), unknownKey: reasons('auth-unknown-key'), replays: reasons('auth-replay') + reasons('auth-stale') },
    { missing: 50, badHmac: 50, unknownKey: 50, replays: 50 }, 'each forgery dropped and counted');
  t.ok(reasons('auth-replay') > 0 && reasons('auth-stale') > 0, 'a replay within the window is a replay, after it stale');
  t.match(inst.status().authHmac!.counters, { missingTrailer: 50, invalidHmac: 50, unknownKey: 50, authenticated: 3 });
  await inst.stop();
});

t.test("a dead master's adverts replayed at 20/s do not delay the backup's takeover", async (t) => {
  const e = envOn(undefined);
  const { inst, states } = instance(e, { priority: 100 });
  await inst.start();
  const captured: Buffer[] = [];
  for (let s = 0; s < 3; s++) {
    const p = peerPayload({ atMs: wall(e) });
    captured.push(p);
    hear(inst, { atMs: 0 }, p);
    e.clock.advance(1000);
  }
  const lastHeard = e.clock.now() - 1000;
  let masterAt: number | undefined;
  inst.on('state', (s) => { if (s.state === 'master') masterAt = e.clock.now(); });
  for (let n = 0; n < 100 && masterAt === undefined; n++) {
    hear(inst, { atMs: 0 }, captured[n % 3]!);
    e.clock.advance(50);
  }
  t.same(states.map((s) => s.state), ['backup', 'master']);
  t.ok(masterAt !== undefined && masterAt - lastHeard <= MDI + 50, `master ${masterAt! - lastHeard} ms after the last real advert (Master_Down_Interval ${MDI})`);
  await inst.stop();
});

// ---- Rollout and rotation, in place ---------------------------------------------------------------

/** Two instances on one LAN (1 ms latency): A (priority 200) and B (100), sharing a clock. */
function pair(auth: AuthHmacConfig | null) {
  const clock = new VirtualClock();
  const ea = envOn(clock, { primaryAddress: '10.0.0.1' });
  const eb = envOn(clock, { primaryAddress: '10.0.0.2' });
  const a = instance(ea, { priority: 200 }, auth);
  const b = instance(eb, { priority: 100 }, auth);
  const wire = (from: FakeEnv, to: VrrpInstance) => {
    const send = from.channel.send.bind(from.channel);
    from.channel.send = (message, source, dest) => {
      const copy = Buffer.from(message);
      clock.setTimeout(() => to.receive(payloadDatagram(copy, 4, source)), 1);
      return send(message, source, dest);
    };
  };
  wire(ea, b.inst);
  wire(eb, a.inst);
  return { clock, a, b, ea };
}

t.test('rollout receive-only -> permissive -> enforce and a key rotation, applied in place: no transition', async (t) => {
  const { clock, a, b, ea } = pair(null);
  await a.inst.start();
  clock.advance(MDI);
  await b.inst.start();
  clock.advance(3000);
  t.equal(a.inst.state, 'master');
  t.equal(b.inst.state, 'backup');
  const settled = { a: a.states.length, b: b.states.length };
  const steps: Array<[string, AuthHmacConfig, AuthHmacConfig?]> = [
    ['receive-only', { keys: [KEY1], activeKeyId: 1, mode: 'receive-only' }],
    ['permissive', { keys: [KEY1], activeKeyId: 1, mode: 'permissive' }],
    ['enforce', { keys: [KEY1], activeKeyId: 1, mode: 'enforce' }],
    ['key 2 added', { keys: [KEY1, KEY2], activeKeyId: 1 }],
    ['active_key 2 on A first', { keys: [KEY1, KEY2], activeKeyId: 2 }, { keys: [KEY1, KEY2], activeKeyId: 1 }],
    ['active_key 2 on B', { keys: [KEY1, KEY2], activeKeyId: 2 }],
    ['key 1 removed', { keys: [KEY2], activeKeyId: 2 }],
  ];
  for (const [what, cfgA, cfgB] of steps) {
    // Node by node, as an operator would: A, an advert interval later B.
    a.inst.setAuthHmac(cfgA);
    clock.advance(1500);
    b.inst.setAuthHmac(cfgB ?? cfgA);
    const rcvd = b.inst.stats.rcvdAdvertisements;
    clock.advance(3000);
    t.ok(b.inst.stats.rcvdAdvertisements >= rcvd + 2, `${what}: B keeps hearing A`);
    t.equal(a.states.length + b.states.length, settled.a + settled.b, `${what}: no transition`);
  }
  t.equal(b.drops.filter((d) => d.reason !== 'own-advert').length, 0, 'B dropped none of A\'s adverts');
  const last = ea.channel.sent.at(-1)!.message;
  t.equal(decodeTrailer(last.subarray(messageLength(last, 4)!)).keyId, 2, 'A signs with key 2 now');
  const c = b.inst.status().authHmac!.counters;
  t.ok(c.missingTrailer > 0 && c.authenticated > 0, `B accepted unsigned adverts while A was receive-only (${c.missingTrailer}), signed ones since (${c.authenticated})`);
  t.equal(c.invalidHmac + c.unknownKey + c.malformed + c.stale + c.replay, 0, 'nothing rejected along the way');
  // A straggler with the removed key is now an unknown key.
  hear(b.inst, { key: KEY1, atMs: WALL0 + clock.now() });
  t.equal(b.drops.at(-1)?.reason, 'auth-unknown-key', 'key 1 is gone');
  await a.inst.stop();
  await b.inst.stop();
});

t.test('enforce on a backup before its master signs: the backup stops hearing it (why the modes exist)', async (t) => {
  const { clock, a, b } = pair({ keys: [KEY1], activeKeyId: 1, mode: 'receive-only' });
  await a.inst.start();
  clock.advance(MDI);
  await b.inst.start();
  clock.advance(2000);
  b.inst.setAuthHmac({ keys: [KEY1], activeKeyId: 1, mode: 'enforce' });
  clock.advance(MDI + 1000);
  t.equal(b.inst.state, 'master', 'B takes over: A\'s unsigned adverts are dropped');
  t.ok(b.drops.some((d) => d.reason === 'auth-missing'), 'as auth-missing');
  await a.inst.stop();
  await b.inst.stop();
});

t.test('replay marks survive a restart of the instance (the router keeps them)', async (t) => {
  const memory = new Map<string, AuthHmacMemory>();
  const e = envOn(undefined);
  e.authMemory = memory;
  const first = instance(e);
  await first.inst.start();
  const p = peerPayload({ atMs: wall(e) });
  hear(first.inst, { atMs: 0 }, p);
  t.equal(first.inst.stats.rcvdAdvertisements, 1);
  await first.inst.stop();
  e.clock.advance(500);
  const again = instance(e);
  await again.inst.start();
  hear(again.inst, { atMs: 0 }, p);
  t.equal(again.drops.at(-1)?.reason, 'auth-replay', 'the advert heard before the restart is a replay after it');
  await again.inst.stop();
  const fresh = instance(envOn(undefined));
  await fresh.inst.start();
  hear(fresh.inst, { atMs: 0 }, p);
  t.equal(fresh.inst.stats.rcvdAdvertisements, 1, 'without the memory it would pass');
  await fresh.inst.stop();
});

t.test('permissive accepts adverts without a trailer (counted, noticed); a bad trailer is dropped in every mode', async (t) => {
  for (const mode of ['permissive', 'receive-only'] as const) {
    const e = envOn(undefined);
    const { inst, drops } = instance(e, {}, { keys: [KEY1], activeKeyId: 1, mode });
    const notices: string[] = [];
    inst.on('auth-notice', (n) => notices.push(`${n.level} ${n.outcome}`));
    await inst.start();
    hear(inst, { key: null, atMs: 0 });
    t.equal(inst.stats.rcvdAdvertisements, 1, `${mode}: no trailer accepted`);
    t.same(notices, ['info missing'], `${mode}: an info notice`);
    hear(inst, { key: new HmacKey(1, Buffer.alloc(32, 1)), atMs: wall(e) });
    t.equal(drops.at(-1)?.reason, 'auth-bad-hmac', `${mode}: a trailer that is there must verify`);
    t.match(inst.status().authHmac!.counters, { missingTrailer: 1, invalidHmac: 1 });
    await inst.stop();
  }
});

t.test('keys never print: status, config, inspect', async (t) => {
  const e = envOn(undefined);
  const { inst } = instance(e, {}, { keys: [KEY1, KEY2], activeKeyId: 2 });
  const texts = [JSON.stringify(inst.status()), JSON.stringify(inst.config), inspect(inst.config, { depth: 10 }), inspect(inst.status(), { depth: 10 }), String(KEY1)];
  for (const text of texts) {
    t.notOk(text.includes(ASCII_KEY) || text.includes(Buffer.from(ASCII_KEY).toString('hex')) || text.includes('5c5c5c5c'), 'no key material');
  }
  t.same(inst.status().authHmac!.keys, ['key 1: ******** (32 bytes, ascii)', 'key 2: ******** (48 bytes, hex)']);
});

t.test('library config: auth_hmac is checked like the rest', async (t) => {
  const base: InstanceConfig = { name: 'x', vrid: 1, interface: 'eth0', virtualAddresses: [VIP] };
  const bad: Array<[string, unknown]> = [
    ['authPass and authHmac', { ...base, authPass: 'pw', authHmac: { keys: [KEY1], activeKeyId: 1 } }],
    ['auth pass and authHmac', { ...base, auth: { type: 'pass', password: 'pw' }, authHmac: { keys: [KEY1], activeKeyId: 1 } }],
    ['IPsec AH and authHmac', { ...base, auth: { type: 'ah', password: 'pw' }, authHmac: { keys: [KEY1], activeKeyId: 1 } }],
    ['strict with authHmac not enforce', { ...base, strict: true, authHmac: { keys: [KEY1], activeKeyId: 1, mode: 'permissive' } }],
    ['no keys', { ...base, authHmac: { keys: [], activeKeyId: 1 } }],
    ['active key not a key', { ...base, authHmac: { keys: [KEY1], activeKeyId: 2 } }],
    ['a key that is not an HmacKey', { ...base, authHmac: { keys: [{ id: 1 }], activeKeyId: 1 } }],
    ['the same id twice', { ...base, authHmac: { keys: [KEY1, new HmacKey(1, Buffer.alloc(32))], activeKeyId: 1 } }],
    ['window 0', { ...base, authHmac: { keys: [KEY1], activeKeyId: 1, windowS: 0 } }],
    ['window 1.5', { ...base, authHmac: { keys: [KEY1], activeKeyId: 1, windowS: 1.5 } }],
    ['mode strict', { ...base, authHmac: { keys: [KEY1], activeKeyId: 1, mode: 'strict' } }],
    ['anti_replay sometimes', { ...base, authHmac: { keys: [KEY1], activeKeyId: 1, antiReplay: 'sometimes' } }],
  ];
  for (const [what, cfg] of bad) t.throws(() => resolveInstanceConfig(cfg as InstanceConfig), ConfigError, what);
  const r = resolveInstanceConfig({ ...base, advertIntervalCs: 300, authHmac: { keys: [KEY1], activeKeyId: 1 } });
  t.match(r.authHmac, { activeKeyId: 1, mode: 'enforce', antiReplay: 'time', windowS: 9 }, "defaults: enforce, time, keepalived's window (3 x 3 s)");
  t.same(resolveInstanceConfig(r).authHmac, r.authHmac, 'idempotent');
});
