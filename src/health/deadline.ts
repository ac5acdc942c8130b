// The one timeout/abort discipline every probe follows. An adapter is an attempt: it gets an
// AbortSignal that fires at the deadline (or when the caller gives up), must release what it
// holds (socket, child process) when it fires, and resolves with a ProbeResult. deadlineProbe()
// turns an attempt into a Probe that always resolves, never rejects, and never outlives its
// deadline by more than LATE_MS even when an adapter ignores the signal.
import { failed, type ProbeResult } from './result.js';

/** One probe run: resolves within about timeoutMs; never rejects. */
export type Probe = (timeoutMs: number, signal?: AbortSignal) => Promise<ProbeResult>;

/** One attempt of an adapter, stopped by `signal`. May reject: the rejection becomes a failure. */
export type ProbeAttempt = (signal: AbortSignal, timeoutMs: number) => Promise<ProbeResult>;

/** How long an aborted attempt may take to wind down (a script's SIGTERM-to-SIGKILL grace fits). */
export const LATE_MS = 3000;

/** The abort reason at the deadline. Named TimeoutError like AbortSignal.timeout()'s, which runCommand honours. */
export class ProbeTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timeout after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** The reason text for an aborted attempt: the timeout, or why the caller aborted. */
export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof ProbeTimeout) return r.message;
  return r instanceof Error && r.name !== 'AbortError' ? `aborted: ${r.message}` : 'aborted';
}

export function deadlineProbe(attempt: ProbeAttempt): Probe {
  return async (timeoutMs, outer) => {
    const ac = new AbortController();
    const onOuter = () => ac.abort(outer?.reason);
    if (outer?.aborted) onOuter();
    else outer?.addEventListener('abort', onOuter, { once: true });
    // At the deadline, what the kernel already has for this turn of the event loop (a connect that
    // completed while the loop was busy) is handled first: timers run before I/O in a turn, and a
    // late turn must not turn a success into a timeout (keepalived's scheduler handles ready
    // descriptors before timeouts too).
    let atDeadline: NodeJS.Immediate | undefined;
    const timer = setTimeout(() => { atDeadline = setImmediate(() => ac.abort(new ProbeTimeout(timeoutMs))); }, timeoutMs);
    let late: NodeJS.Timeout | undefined;
    let settled = false;
    const backstop = new Promise<ProbeResult>((resolve) => {
      const arm = () => {
        if (!settled) late = setTimeout(() => resolve(failed(`${abortReason(ac.signal)} (the probe did not stop)`)), LATE_MS);
      };
      if (ac.signal.aborted) arm();
      else ac.signal.addEventListener('abort', arm, { once: true });
    });
    try {
      const run = ac.signal.aborted
        ? Promise.resolve(failed(abortReason(ac.signal)))
        : attempt(ac.signal, timeoutMs).catch((e: unknown) => failed(e instanceof Error ? e.message : String(e)));
      return await Promise.race([run, backstop]);
    } finally {
      settled = true;
      clearTimeout(timer);
      clearImmediate(atDeadline);
      clearTimeout(late);
      outer?.removeEventListener('abort', onOuter);
      // An attempt that finished early may still hold something (a keep-alive socket): release it.
      if (!ac.signal.aborted) ac.abort();
    }
  };
}
