// Reasons for the datagram probes (UDP_CHECK, DNS_CHECK, PING_CHECK): a socket error is the
// kernel passing on an ICMP error or a local failure, named by its errno.

/** "ECONNREFUSED (port unreachable)", "ENETUNREACH"... */
export function datagramFailure(err: unknown): string {
  const e = err as { syscallCode?: string; code?: string; message?: string };
  const code = e.syscallCode ?? e.code ?? e.message ?? String(err);
  const why = ICMP_MEANING[code];
  return why ? `${code} (${why})` : code;
}

const ICMP_MEANING: Record<string, string> = {
  ECONNREFUSED: 'port unreachable',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};
