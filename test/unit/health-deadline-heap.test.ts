// The deadline heap: earliest first; indexed, entries taken out or moved in place and queued
// again without a new object, those due at the same time in the order they were queued.
import t from 'tap';
import { DeadlineHeap, type Queued } from '../../src/health/deadline-heap.js';

interface Entry extends Queued {
  name: string;
}

const entry = (name: string): Entry => ({ name, deadline: 0, heapIndex: -1, heapSeq: 0 });

t.test('plain: earliest first, popDue', async (t) => {
  const h = new DeadlineHeap<{ deadline: number }>();
  for (const d of [5, 1, 4, 2, 3]) h.push({ deadline: d });
  t.same(h.popDue(3).map((e) => e.deadline), [1, 2, 3]);
  t.equal(h.size, 2);
  t.same([h.pop()?.deadline, h.pop()?.deadline, h.pop()], [4, 5, undefined]);
});

t.test('indexed: schedule, move, remove; ties in queue order', async (t) => {
  const h = new DeadlineHeap<Entry>({ indexed: true });
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entry) as [Entry, Entry, Entry, Entry];
  h.schedule(a, 10);
  h.schedule(b, 10);
  h.schedule(c, 5);
  h.schedule(d, 10);
  t.equal(h.size, 4);
  h.schedule(c, 20); // moved later, not queued twice
  t.equal(h.size, 4, 'a queued entry is moved, not added');
  h.schedule(a, 10); // the same time again: now last among its equals
  h.remove(b);
  t.equal(b.heapIndex, -1, 'taken out');
  h.remove(b); // not in: nothing
  t.same(h.popDue(10).map((e) => e.name), ['d', 'a'], 'same deadline: in the order queued');
  h.schedule(b, 1);
  t.same([h.pop()?.name, h.pop()?.name, h.size], ['b', 'c', 0]);
  t.same([a.heapIndex, c.heapIndex], [-1, -1]);
});

t.test('indexed: random operations keep the order', async (t) => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const h = new DeadlineHeap<Entry>({ indexed: true });
  const entries = Array.from({ length: 200 }, (_, i) => entry(String(i)));
  const model = new Map<Entry, number>();
  for (let step = 0; step < 5000; step++) {
    const e = entries[Math.floor(random() * entries.length)]!;
    if (random() < 0.3) {
      h.remove(e);
      model.delete(e);
    } else {
      const at = Math.floor(random() * 100);
      h.schedule(e, at);
      model.set(e, at);
    }
  }
  t.equal(h.size, model.size);
  const out: number[] = [];
  for (let e = h.pop(); e; e = h.pop()) {
    t.equal(e.deadline, model.get(e), 'each at the deadline it was given last');
    out.push(e.deadline);
  }
  t.same(out, [...out].sort((x, y) => x - y), 'earliest first');
});
