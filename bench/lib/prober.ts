// The client's view of a failover: a UDP echo server on every router and a client that sends a
// numbered probe to the VIP every `intervalMs` (1 ms by default). The outage is the largest gap
// between two consecutive replies across the fault; lost probes are counted.
// Times are wall-clock epoch milliseconds with sub-millisecond resolution, so they line up with
// tcpdump timestamps and with the bench's own clock in other processes.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';

export const ECHO_PORT = 7007;

/** Epoch ms with sub-ms resolution (same clock in every process on the host). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs in each router namespace: echoes whatever arrives, from whichever address it was sent to. */
export function startEchoServer(port = ECHO_PORT, family: 4 | 6 = 4): UdpSocket {
  const s = createSocket({ type: family === 6 ? 'udp6' : 'udp4', reuseAddr: true });
  s.on('message', (msg, rinfo) => s.send(msg, rinfo.port, rinfo.address));
  s.on('error', () => { /* a probe to a VIP we no longer hold: nothing to do */ });
  s.bind(port);
  return s;
}

/** A stretch without replies: from the last reply before it to the first one after it (epoch ms). */
export interface Gap { from: number; to: number }

export interface ProbeReport {
  sent: number;
  received: number;
  /** Largest gap between consecutive replies, ms (the client-visible outage). */
  maxGapMs: number;
  /** When the largest gap started (epoch ms). */
  maxGapStart: number;
  /** Every gap longer than the reporting threshold. */
  gaps: Gap[];
}

export interface Prober {
  /** Replies so far. */
  readonly received: number;
  readonly sent: number;
  stop(): Promise<ProbeReport>;
}

/**
 * Sends a numbered probe every intervalMs; onGap is called for every gap between replies longer
 * than gapThresholdMs (default 1.5 ms) when the reply that ends it arrives.
 */
export function startProber(target: string, opts: { port?: number; intervalMs?: number; family?: 4 | 6; gapThresholdMs?: number; onGap?: (g: Gap) => void } = {}): Prober {
  const port = opts.port ?? ECHO_PORT;
  const interval = opts.intervalMs ?? 1;
  const threshold = opts.gapThresholdMs ?? 1.5;
  const s = createSocket(opts.family === 6 ? 'udp6' : 'udp4');
  const gaps: Gap[] = [];
  let sent = 0;
  let received = 0;
  let last = 0;
  let running = true;
  const buf = Buffer.alloc(8);
  s.on('message', () => {
    const t = nowMs();
    received++;
    if (last && t - last > threshold) {
      const g = { from: last, to: t };
      gaps.push(g);
      opts.onGap?.(g);
    }
    last = t;
  });
  s.on('error', () => { /* ENETUNREACH/EHOSTUNREACH during the outage: the gap shows it */ });
  // setInterval's 1 ms floor is coarse under load; a self-correcting loop keeps the pace.
  let next = performance.now();
  const tick = () => {
    if (!running) return;
    const now = performance.now();
    if (next < now - 100 * interval) next = now; // after a stall, no burst
    while (next <= now) {
      buf.writeUInt32BE(sent++ >>> 0, 0);
      s.send(buf, port, target);
      next += interval;
    }
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  s.bind(0, () => tick());
  return {
    get received() { return received; },
    get sent() { return sent; },
    stop: () => new Promise((resolve) => {
      running = false;
      setTimeout(() => {
        s.close();
        let max: Gap | undefined;
        for (const g of gaps) if (!max || g.to - g.from > max.to - max.from) max = g;
        resolve({ sent, received, maxGapMs: max ? max.to - max.from : 0, maxGapStart: max?.from ?? 0, gaps });
      }, 50);
    }),
  };
}
