// The client's view of a failover: a UDP echo server on every router and a client that sends a
// numbered probe to the VIP every `intervalMs` (1 ms by default). The outage is the largest gap
// between two consecutive replies across the fault; lost probes are counted.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';

export const ECHO_PORT = 7007;

/** Runs in each router namespace: echoes whatever arrives, from whichever address it was sent to. */
export function startEchoServer(port = ECHO_PORT, family: 4 | 6 = 4): UdpSocket {
  const s = createSocket({ type: family === 6 ? 'udp6' : 'udp4', reuseAddr: true });
  s.on('message', (msg, rinfo) => s.send(msg, rinfo.port, rinfo.address));
  s.on('error', () => { /* a probe to a VIP we no longer hold: nothing to do */ });
  s.bind(port);
  return s;
}

export interface ProbeReport {
  sent: number;
  received: number;
  /** Largest gap between consecutive replies, ms (the client-visible outage). */
  maxGapMs: number;
  /** When the largest gap started, ms since the prober started. */
  maxGapStartMs: number;
  /** Reply receive times, ms since start (kept for charts). */
  replies: number[];
}

export interface Prober {
  /** Marks a moment (e.g. the fault), ms since the prober started. */
  mark(): number;
  stop(): Promise<ProbeReport>;
}

export function startProber(target: string, opts: { port?: number; intervalMs?: number; family?: 4 | 6 } = {}): Prober {
  const port = opts.port ?? ECHO_PORT;
  const interval = opts.intervalMs ?? 1;
  const s = createSocket(opts.family === 6 ? 'udp6' : 'udp4');
  const t0 = performance.now();
  const replies: number[] = [];
  let sent = 0;
  let running = true;
  const buf = Buffer.alloc(8);
  s.on('message', () => { replies.push(performance.now() - t0); });
  s.on('error', () => { /* ENETUNREACH/EHOSTUNREACH during the outage: the gap shows it */ });
  // setInterval's 1 ms floor is coarse under load; a self-correcting loop keeps the pace.
  let next = performance.now();
  const tick = () => {
    if (!running) return;
    const now = performance.now();
    while (next <= now) {
      buf.writeUInt32BE(sent++ >>> 0, 0);
      s.send(buf, port, target);
      next += interval;
    }
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  s.bind(0, () => tick());
  return {
    mark: () => performance.now() - t0,
    stop: () => new Promise((resolve) => {
      running = false;
      setTimeout(() => {
        s.close();
        let maxGap = 0, start = 0;
        for (let i = 1; i < replies.length; i++) {
          const gap = replies[i]! - replies[i - 1]!;
          if (gap > maxGap) { maxGap = gap; start = replies[i - 1]!; }
        }
        resolve({ sent, received: replies.length, maxGapMs: maxGap, maxGapStartMs: start, replies });
      }, 50);
    }),
  };
}
