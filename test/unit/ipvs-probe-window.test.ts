// The checkers' probe window and the connect deadlines' heap, pure: how many probes may start,
// when a stalled one leaves room, how the window backs off when answers slow down.
import t from 'tap';
import fc from 'fast-check';
import { ProbeWindow } from '../../src/ipvs/checks/probe-window.js';
import { DeadlineHeap } from '../../src/health/deadline-heap.js';

t.test('a window of fresh probes: ends free room at once', async (t) => {
  const w = new ProbeWindow({ maxFresh: 2, maxOpen: 10, minStallMs: 100, stallFactor: 4 });
  const a = w.start(0);
  w.start(0);
  t.notOk(w.canStart(1), 'two fresh probes fill it');
  w.end(a, 5, true);
  t.ok(w.canStart(5), 'an answer frees room');
  t.equal(w.open, 1);
  w.end(a, 6, true);
  t.equal(w.open, 1, 'a second end of the same probe changes nothing');
});

t.test('a mass outage: unanswered probes stall and leave room, up to the open limit', async (t) => {
  const w = new ProbeWindow({ maxFresh: 2, maxOpen: 5, minStallMs: 100, stallFactor: 4 });
  w.start(0);
  w.start(0);
  t.notOk(w.canStart(50));
  t.equal(w.nextChange(50), 100, 'room when the oldest has waited minStallMs');
  t.ok(w.canStart(100), 'the two stalled: room for more');
  t.equal(w.fresh, 0);
  t.equal(w.open, 2);
  w.start(100);
  w.start(100);
  w.start(200);
  t.equal(w.open, 5);
  t.notOk(w.canStart(300), 'open limit: the file descriptors stalled probes hold');
  t.equal(w.nextChange(300), undefined, 'only an end frees room now');
  // Serialised, 1,000 probes of 3 s deadlines would take 1,500 s behind two slots; here each
  // round of 5 takes one deadline.
});

t.test('slow answers raise the stall time: the window backs off', async (t) => {
  const w = new ProbeWindow({ maxFresh: 4, maxOpen: 100, minStallMs: 10, stallFactor: 4 });
  t.equal(w.stallMs, 10);
  for (let i = 0; i < 200; i++) {
    const s = w.start(i * 1000);
    w.end(s, i * 1000 + 500, true);
  }
  t.ok(w.stallMs > 1500 && w.stallMs <= 2000, `answers in 500 ms: stalled after ~2 s (${w.stallMs.toFixed(0)} ms)`);
  const before = w.stallMs;
  for (let i = 0; i < 50; i++) w.end(w.start(1e6 + i), 1e6 + i + 3000, false);
  t.equal(w.stallMs, before, 'deadlines are not answers: a timeout does not change the answer time');
});

t.test('the window never admits more than maxFresh fresh or maxOpen open probes', async (t) => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 20 }),
    fc.array(fc.tuple(fc.nat(50), fc.nat(3), fc.boolean()), { maxLength: 200 }),
    (maxFresh, maxOpen, ops) => {
      const w = new ProbeWindow({ maxFresh, maxOpen, minStallMs: 20, stallFactor: 2 });
      const open: ReturnType<ProbeWindow['start']>[] = [];
      let now = 0;
      for (const [dt, what, answered] of ops) {
        now += dt;
        if (what > 0 && w.canStart(now)) open.push(w.start(now));
        else if (open.length) w.end(open.splice(dt % open.length, 1)[0]!, now, answered);
        if (w.fresh > maxFresh || w.open > Math.max(maxFresh, maxOpen) || w.open !== open.length) return false;
      }
      return true;
    },
  ));
});

t.test('deadline heap: earliest first, due ones taken together', async (t) => {
  const h = new DeadlineHeap<{ deadline: number; id: number }>();
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1000 })), (ds) => {
    h.clear();
    ds.forEach((deadline, id) => h.push({ deadline, id }));
    const out: number[] = [];
    for (let x = h.pop(); x; x = h.pop()) out.push(x.deadline);
    return JSON.stringify(out) === JSON.stringify([...ds].sort((a, b) => a - b));
  }));
  [30, 10, 20, 40].forEach((deadline, id) => h.push({ deadline, id }));
  t.same(h.popDue(25).map((x) => x.deadline), [10, 20]);
  t.equal(h.peek()?.deadline, 30);
  t.equal(h.size, 2);
});
