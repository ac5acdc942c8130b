// The addon's surface: the typing in src/netif/native.ts, the one function list both the Linux
// addon and the stub are built from (native/functions.h) and the built addon agree; errors carry
// errno names from our own table (native/errno_names.h), the ones Node uses.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { NATIVE_FUNCTIONS, RECV_LIMITS, nativeAddon, recvmmsgCapacity } from '../../src/netif/native.js';
import { repoRoot } from '../helpers/netns-lab.js';

const source = (file: string) => readFileSync(`${repoRoot}/native/${file}`, 'utf8');

t.test('the typing, native/functions.h and the built addon name the same functions', async (t) => {
  const listed = [...source('functions.h').matchAll(/^\s*X\((\w+), (\w+)\)/gm)].map((m) => m[1]);
  t.same(listed, [...NATIVE_FUNCTIONS], 'functions.h lists what NativeAddon types, in order');
  const exported = Object.keys(nativeAddon()).sort();
  t.same(exported, [...NATIVE_FUNCTIONS].sort(), 'the built addon exports exactly those');
  for (const f of NATIVE_FUNCTIONS) t.equal(typeof nativeAddon()[f], 'function', f);
  t.match(source('vipd_native_stub.c'), /VIPD_FUNCTIONS\(NAME\)/, 'the stub takes its names from the same list');
});

t.test('receive limits in native.ts are those of native/common.h', async (t) => {
  const c = source('common.h');
  const define = (name: string) => {
    const m = new RegExp(`#define ${name} \\(?([0-9 *]+)\\)?`).exec(c);
    if (!m) throw new Error(`no #define ${name} in common.h`);
    return m[1]!.split('*').reduce((a, x) => a * Number(x.trim()), 1);
  };
  t.equal(RECV_LIMITS.maxLen, define('RECV_MAX'));
  t.equal(RECV_LIMITS.batch, define('BATCH_MAX'));
  t.equal(RECV_LIMITS.batchBytes, define('BATCH_DATA'));
  t.equal(RECV_LIMITS.controlLen, define('CONTROL_MAX'));
  t.equal(recvmmsgCapacity(2048), 64, 'VRRP datagrams: a full batch');
  t.equal(recvmmsgCapacity(1 << 17), 8, 'netlink (128 KiB slots)');
  t.equal(recvmmsgCapacity(1 << 30), 4, 'clamped to RECV_MAX like the addon');
});

t.test('errno names: every errno Node knows, one name per number', async (t) => {
  const table = [...source('errno_names.h').matchAll(/X\((E[A-Z0-9]+)\)/g)].map((m) => m[1]!);
  t.equal(new Set(table).size, table.length, 'no name twice');
  const aliases: Record<string, string> = { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EDEADLK', ENOTSUP: 'EOPNOTSUPP' };
  const known = constants.errno as Record<string, number>;
  t.same(Object.keys(known).filter((name) => !table.includes(aliases[name] ?? name)), [], 'none missing from native/errno_names.h');
  const numbers = table.filter((n) => known[n] !== undefined).map((n) => known[n]);
  t.equal(new Set(numbers).size, numbers.length, 'no errno number has two names');
});

t.test('thrown errors carry code, errno and syscall', async (t) => {
  const native = nativeAddon();
  const cases: Array<[string, () => unknown, string]> = [
    ['EAFNOSUPPORT', () => native.socket(4321, 2, 0), 'socket'],
    ['EBADF', () => native.getsockopt(-1, 1, 7, 4), 'getsockopt'],
    ['EBADF', () => native.recvmsg(-1, 64, 0), 'recvmsg'],
    ['EBADF', () => native.recvmmsg(-1, 64, 0, 8), 'recvmmsg'],
    ['ESRCH', () => native.schedGetscheduler(0x3ffffff0), 'sched_getscheduler'],
    ['EINVAL', () => native.schedGetPriorityMax(12345), 'sched_get_priority_max'],
    ['EINVAL', () => native.schedSetaffinity(0, [-1]), 'sched_setaffinity'],
  ];
  for (const [code, fn, syscall] of cases) {
    t.throws(fn, { code, errno: (constants.errno as Record<string, number>)[code], syscall }, `${syscall}: ${code}`);
  }
});

t.test('a socket handle owns its fd: close() releases it once', async (t) => {
  const native = nativeAddon();
  const h = native.socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */, 0);
  t.type(h.fd, 'number');
  t.equal(native.getsockopt(h.fd, 1, 3 /* SO_TYPE */, 4).readInt32LE(0), 3);
  native.close(h);
  native.close(h); // a second close is a no-op, never someone else's fd
  t.throws(() => native.getsockopt(h.fd, 1, 3, 4), { code: 'EBADF' });
  t.throws(() => native.close({ fd: 1 }), { code: 'EINVAL' }, 'only handles from socket() close');
});
