// Deadlines of many attempts under one timer: a binary min-heap by deadline. Pure (times are
// numbers given by the caller). An entry that ended before its deadline is not looked for in the
// heap (that would be O(n)): the caller marks it and it is dropped when it comes to the top.
// Indexed (`{ indexed: true }`, entries with a heapIndex): each entry knows its place, so it can
// be taken out or moved to another deadline in O(log n) and be queued again without a new object
// (the checkers' due queue: 30,000 entries re-queued every delay_loop); entries due at the same
// time come out in the order they were queued, as Node's timers fire.

export interface HasDeadline {
  /** When it is due, in the caller's clock. */
  readonly deadline: number;
}

/** An entry of an indexed heap: its deadline and its place are the heap's to write. */
export interface Queued {
  deadline: number;
  /** Its index in the heap, -1 when not in it. */
  heapIndex: number;
  /** When it was queued, among entries of the same deadline (the heap's count). */
  heapSeq: number;
}

export class DeadlineHeap<T extends HasDeadline> {
  readonly #items: T[] = [];
  readonly #indexed: boolean;
  #seq = 0;

  constructor(opts: { indexed?: boolean } = {}) {
    this.#indexed = opts.indexed ?? false;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The earliest deadline, or undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    if (this.#indexed) (item as unknown as Queued).heapSeq = this.#seq++;
    this.#items.push(item);
    this.#up(this.#items.length - 1, item);
  }

  /** The entry with the earliest deadline, taken out; undefined when empty. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.#removeAt(0);
    return top;
  }

  /** Takes out every entry due at `now` (deadline <= now), earliest first. */
  popDue(now: number): T[] {
    const out: T[] = [];
    while (this.#items.length && this.#items[0]!.deadline <= now) out.push(this.pop()!);
    return out;
  }

  /** Indexed heaps: takes the entry out (nothing when it is not in). */
  remove(item: T & Queued): void {
    const i = item.heapIndex;
    if (i >= 0 && this.#items[i] === item) this.#removeAt(i);
  }

  /** Indexed heaps: queues the entry at `deadline`, or moves it there when it is in already. */
  schedule(item: T & Queued, deadline: number): void {
    const i = item.heapIndex;
    if (i < 0 || this.#items[i] !== item) {
      item.deadline = deadline;
      this.push(item);
      return;
    }
    item.deadline = deadline;
    item.heapSeq = this.#seq++;
    // Later (or queued again at the same time, now last among its equals) sinks; earlier rises.
    if (i > 0 && this.#before(item, this.#items[(i - 1) >> 1]!)) this.#up(i, item);
    else this.#down(i, item);
  }

  clear(): void {
    if (this.#indexed) for (const item of this.#items) (item as unknown as Queued).heapIndex = -1;
    this.#items.length = 0;
  }

  #removeAt(i: number): void {
    const a = this.#items;
    const gone = a[i]!;
    const last = a.pop()!;
    if (this.#indexed) (gone as unknown as Queued).heapIndex = -1;
    if (i === a.length) return;
    // The last entry fills the hole; it may belong above or below it.
    if (i > 0 && this.#before(last, a[(i - 1) >> 1]!)) this.#up(i, last);
    else this.#down(i, last);
  }

  /** Places `item` at i or above. */
  #up(i: number, item: T): void {
    const a = this.#items;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.#before(item, a[up]!)) break;
      this.#put(i, a[up]!);
      i = up;
    }
    this.#put(i, item);
  }

  /** Places `item` at i or below. */
  #down(i: number, item: T): void {
    const a = this.#items;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && this.#before(a[r]!, a[l]!) ? r : l;
      if (!this.#before(a[c]!, item)) break;
      this.#put(i, a[c]!);
      i = c;
    }
    this.#put(i, item);
  }

  /** a comes out before b: an earlier deadline; in an indexed heap, the same one queued earlier. */
  #before(a: T, b: T): boolean {
    if (a.deadline !== b.deadline || !this.#indexed) return a.deadline < b.deadline;
    return (a as unknown as Queued).heapSeq < (b as unknown as Queued).heapSeq;
  }

  #put(i: number, item: T): void {
    this.#items[i] = item;
    if (this.#indexed) (item as unknown as Queued).heapIndex = i;
  }
}
