// The kernel's TCP counters of a network namespace (/proc/net/snmp and /proc/net/netstat, as
// nstat reads them): what the real servers' kernel did, whether or not their listener kept up.
// Each protocol is two lines, "Tcp: Name1 Name2 ..." then "Tcp: 1 2 ...".

/** "Tcp: ... PassiveOpens ...\nTcp: ... 12 ..." -> Map { 'Tcp.PassiveOpens' => 12, ... } */
export function parseNetstat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const names = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    const proto = names[0];
    if (!proto?.endsWith(':') || values[0] !== proto || names.length !== values.length || !/^-?\d/.test(values[1] ?? '')) continue;
    for (let j = 1; j < names.length; j++) out.set(`${proto.slice(0, -1)}.${names[j]}`, Number(values[j]));
    i++;
  }
  return out;
}

/** What the bench reports of the real servers' kernel over a window. */
export interface ListenCounters {
  /** Tcp PassiveOpens: handshakes completed on a listener (checks that reached a real server). */
  passiveOpens: number;
  /** TcpExt ListenOverflows: completed handshakes dropped because the accept queue was full. */
  listenOverflows: number;
  /** TcpExt ListenDrops: SYNs dropped at a listener, overflows included. */
  listenDrops: number;
}

export function listenCounters(stats: ReadonlyMap<string, number>): ListenCounters {
  return {
    passiveOpens: stats.get('Tcp.PassiveOpens') ?? NaN,
    listenOverflows: stats.get('TcpExt.ListenOverflows') ?? NaN,
    listenDrops: stats.get('TcpExt.ListenDrops') ?? NaN,
  };
}

/** The counters' growth from `a` to `b`. */
export function counterDelta(a: ListenCounters, b: ListenCounters): ListenCounters {
  return { passiveOpens: b.passiveOpens - a.passiveOpens, listenOverflows: b.listenOverflows - a.listenOverflows, listenDrops: b.listenDrops - a.listenDrops };
}
