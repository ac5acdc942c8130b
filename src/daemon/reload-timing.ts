// Where a reload's time goes: milliseconds since the signal per phase, for the reload's debug line
// ("reload phases: read 1 ms, parse (block) 2 ms, plan 3 ms, ...") and the status's lastReload (`vipd status`:
// measured at any log level). Phases are marked in order as they end.
import { performance } from 'node:perf_hooks';

export class ReloadTiming {
  readonly #start: number;
  #last: number;
  readonly #phases: Array<[string, number]> = [];
  /** Since the signal, when the first IPVS change went to the kernel. */
  firstSentMs: number | undefined;

  constructor(start = performance.now()) {
    this.#start = start;
    this.#last = start;
  }

  /** The phase `name` ended now. */
  mark(name: string): void {
    const now = performance.now();
    this.#phases.push([name, now - this.#last]);
    this.#last = now;
  }

  /**
   * Phases measured elsewhere (e.g. inside the reconciler) that ended now, in order; what else
   * passed since the last mark is `rest`, before them. `sentFrom`: the phase that sent the first change.
   */
  ended(rest: string, parts: Array<[string, number]>, sentFrom?: string): void {
    const now = performance.now();
    const known = parts.reduce((n, [, ms]) => n + ms, 0);
    this.#phases.push([rest, Math.max(0, now - this.#last - known)]);
    let at = now - known;
    for (const [name, ms] of parts) {
      if (name === sentFrom) this.firstSentMs ??= at - this.#start;
      this.#phases.push([name, ms]);
      at += ms;
    }
    this.#last = now;
  }

  fields(): { startedAt: string; phasesMs: Record<string, number>; totalMs: number; firstSentMs?: number } {
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      // When the daemon took the signal (the bench compares it with when the signal was sent).
      startedAt: new Date(performance.timeOrigin + this.#start).toISOString(),
      phasesMs: Object.fromEntries(this.#phases.map(([k, v]) => [k, round(v)])),
      totalMs: round(performance.now() - this.#start),
      ...(this.firstSentMs !== undefined ? { firstSentMs: round(this.firstSentMs) } : {}),
    };
  }

  line(): string {
    return reloadPhasesLine(this.fields());
  }
}

export type ReloadTimes = ReturnType<ReloadTiming['fields']>;

/** "reload phases: read 1 ms, parse (block) 2 ms, plan 3 ms, ...; total 9 ms, first IPVS change sent at 8 ms". */
export function reloadPhasesLine(f: ReloadTimes): string {
  const phases = Object.entries(f.phasesMs).map(([k, v]) => `${k} ${v} ms`).join(', ');
  return `reload phases: ${phases}; total ${f.totalMs} ms${f.firstSentMs !== undefined ? `, first IPVS change sent at ${f.firstSentMs} ms` : ''}`;
}
