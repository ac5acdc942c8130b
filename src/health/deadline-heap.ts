// Deadlines of many attempts under one timer: a binary min-heap by deadline. Pure (times are
// numbers given by the caller). An entry that ended before its deadline is not looked for in the
// heap (that would be O(n)): the caller marks it and it is dropped when it comes to the top.

export interface HasDeadline {
  /** When it is due, in the caller's clock. */
  readonly deadline: number;
}

export class DeadlineHeap<T extends HasDeadline> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The earliest deadline, or undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const a = this.#items;
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up]!.deadline <= item.deadline) break;
      a[i] = a[up]!;
      i = up;
    }
    a[i] = item;
  }

  /** The entry with the earliest deadline, taken out; undefined when empty. */
  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && a[r]!.deadline < a[l]!.deadline ? r : l;
      if (a[c]!.deadline >= last.deadline) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }

  /** Takes out every entry due at `now` (deadline <= now), earliest first. */
  popDue(now: number): T[] {
    const out: T[] = [];
    while (this.#items.length && this.#items[0]!.deadline <= now) out.push(this.pop()!);
    return out;
  }

  clear(): void {
    this.#items.length = 0;
  }
}
