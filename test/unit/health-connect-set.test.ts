// The connect set's bookkeeping over a fake addon: results reach the right attempt (also when a
// callback reuses an fd number of the same batch), a connect the kernel finished counts before
// its deadline, a deadline closes the socket, abort gives up one attempt, an idle set holds nothing.
import t from 'tap';
import { ConnectSet, type ConnectTarget } from '../../src/health/connect-set.js';
import type { NativeAddon, WatchCallback } from '../../src/netif/native.js';

class FakeAddon {
  nextFd = 10;
  free: number[] = [];
  done: Array<[number, number]> = [];
  closed: number[] = [];
  refs: boolean[] = [];
  onReadable: WatchCallback | undefined;
  failNext: number | undefined;
  epollCreate() { return { fd: 3 }; }
  watch(_fd: number, cb: WatchCallback) { this.onReadable = cb; return {}; }
  ref(_h: unknown, on: boolean) { this.refs.push(on); }
  connectProbe(): number {
    if (this.failNext !== undefined) return -this.failNext;
    // The lowest free number, as the kernel gives.
    if (!this.free.length) return this.nextFd++;
    this.free.sort((x, y) => x - y);
    return this.free.shift()!;
  }
  connectResults(_ep: number, out: Int32Array): number {
    const n = Math.min(this.done.length, out.length / 2);
    this.done.splice(0, n).forEach(([fd, err], i) => {
      out[2 * i] = fd;
      out[2 * i + 1] = err;
      this.free.push(fd);
    });
    return n;
  }
  closeFd(fd: number) { this.closed.push(fd); this.free.push(fd); }
}

const target: ConnectTarget = { family: 2, peer: Buffer.alloc(16), local: null, ifname: null, mark: null };
const ECONNREFUSED = 111;

t.test('results, deadlines, abort', async (t) => {
  const fake = new FakeAddon();
  const set = new ConnectSet({ native: fake as unknown as NativeAddon });
  const got: Array<[string, string | undefined]> = [];
  const a = set.connect(target, 5000, (f) => got.push(['a', f]));
  set.connect(target, 5000, (f) => got.push(['d', f]));
  set.connect(target, 5000, (f) => {
    got.push(['b', f]);
    // Started from a callback: it gets the lowest number closed in the batch, d's.
    set.connect(target, 5000, (g) => got.push(['c', g]));
  });
  t.equal(set.size, 3);
  t.same(fake.refs, [false, true], 'a connect under way holds the process');
  fake.done.push([12, ECONNREFUSED], [11, 0]);
  fake.onReadable!(1);
  t.same(got, [['b', 'connect ECONNREFUSED'], ['d', undefined]], 'each result to its attempt, though c reused fd 11 meanwhile');
  set.abort(a!, 'connect aborted');
  t.same(got.at(-1), ['a', 'connect aborted']);
  t.ok(fake.closed.includes(10), 'an abort closes the socket');
  set.abort(a!, 'again');
  t.equal(got.length, 3, 'a second abort does nothing');
  t.equal(set.size, 1, 'c under way');

  // A deadline: a connect the kernel finished meanwhile is a success; the other times out.
  const late: Array<string | undefined> = [];
  const e = set.connect(target, 20, (f) => late.push(`e ${f}`));
  set.connect(target, 20, (f) => late.push(`f ${f}`));
  fake.done.push([(e as unknown as { fd: number }).fd, 0]);
  await new Promise((r) => setTimeout(r, 60));
  t.same(late, ['e undefined', 'f connect timeout after 20 ms'], 'ready before the deadline counts first');
  fake.done.push([11, 0]);
  fake.onReadable!(1);
  t.same(got.at(-1), ['c', undefined]);
  t.equal(set.size, 0);
  t.equal(fake.refs.at(-1), false, 'idle: the process may exit');
});

t.test('a step that fails at once', async (t) => {
  const fake = new FakeAddon();
  const set = new ConnectSet({ native: fake as unknown as NativeAddon });
  const got: Array<string | undefined> = [];
  fake.failNext = (4 << 16) | 99; // bind EADDRNOTAVAIL
  t.equal(set.connect(target, 100, (f) => got.push(f)), undefined);
  fake.failNext = (3 << 16) | 1; // SO_MARK EPERM
  set.connect(target, 100, (f) => got.push(f));
  t.same(got, ['connect EADDRNOTAVAIL', 'connect SO_MARK EPERM'], 'bind reads as connect, as node reports it');
  t.equal(set.size, 0);
});
