// The sockets of the network probes when node's own cannot do: SO_BINDTODEVICE (bind_if) and
// SO_MARK (fwmark) need the fd before connect(2), which net.Socket never lends. The addon opens
// the socket, applies the options, binds (bindto / bind_port) and connects; a stream socket is
// then handed to a net.Socket, a datagram or raw socket stays a netif Socket. Every path owns
// exactly one fd and closes it when the attempt ends.
import { readFileSync } from 'node:fs';
import { isIPv6, Socket as NetSocket } from 'node:net';
import { AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM } from '../netif/constants.js';
import { Socket } from '../netif/socket.js';
import { encodeSockAddr, type SockAddr } from '../netif/sockaddr.js';
import type { ConnectTarget } from './connect-set.js';
import type { ProbeEndpoint } from './endpoint.js';

/** An address with an optional %zone (fe80::1%eth0) and the interface it is bound to. */
function sockAddr(address: string, port: number, ifname?: string): SockAddr {
  const [addr, zone] = address.split('%') as [string, string | undefined];
  if (!isIPv6(addr)) return { family: 'inet', address: addr, port };
  const dev = zone ?? ifname;
  return { family: 'inet6', address: addr, port, ...(dev && addr.toLowerCase().startsWith('fe80') ? { scopeId: ifindex(dev) } : {}) };
}

function ifindex(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
  } catch {
    return 0;
  }
}

export function familyOfAddress(address: string): 4 | 6 {
  return isIPv6(address.split('%')[0]!) ? 6 : 4;
}

/** A native socket for `e` with bind_if, fwmark and bindto/bind_port applied (not connected). */
export function openBound(e: ProbeEndpoint, type: number, protocol = 0, opts: { maxLen?: number } = {}): Socket {
  const family = familyOfAddress(e.address);
  const s = Socket.open(family === 4 ? AF_INET : AF_INET6, type, protocol, { ...(opts.maxLen ? { maxLen: opts.maxLen } : {}), controlLen: 0 });
  try {
    if (e.bindInterface !== undefined) s.bindToDevice(e.bindInterface);
    if (e.fwmark !== undefined) s.setMark(e.fwmark);
    if (e.bindAddress !== undefined || e.bindPort !== undefined) {
      s.bind(sockAddr(e.bindAddress ?? (family === 4 ? '0.0.0.0' : '::'), e.bindPort ?? 0, e.bindInterface));
    }
    return s;
  } catch (err) {
    s.close();
    throw err;
  }
}

/** The peer of `e` as a socket address. */
export function peerAddress(e: ProbeEndpoint): SockAddr {
  return sockAddr(e.address, e.port, e.bindInterface);
}

/** A UDP socket for `e`, connected to it (so ICMP errors from it come back as socket errors). */
export function connectedDatagram(e: ProbeEndpoint): Socket {
  const s = openBound(e, SOCK_DGRAM);
  try {
    s.connect(peerAddress(e));
    return s;
  } catch (err) {
    s.close();
    throw err;
  }
}

/**
 * A TCP connection to `e` made by the addon, as a net.Socket. Rejects with the connect error
 * (its code: ECONNREFUSED...) or when the signal aborts; the fd is closed on every failure.
 */
export async function connectStream(e: ProbeEndpoint, signal: AbortSignal): Promise<NetSocket> {
  const s = openBound(e, SOCK_STREAM);
  try {
    if (!s.connect(peerAddress(e))) await s.connected(signal);
    // The poll on the fd is stopped; the next owner registers its own.
    return new NetSocket({ fd: s.detach(), readable: true, writable: true });
  } catch (err) {
    s.close();
    const code = (err as { syscallCode?: string }).syscallCode;
    throw code ? Object.assign(new Error(code), { code }) : err;
  }
}

/** `e` as the connect set takes it (tcp.ts): the peer, bindto / bind_port, bind_if and fwmark. */
export function connectTarget(e: ProbeEndpoint): ConnectTarget {
  const family = familyOfAddress(e.address);
  const local = e.bindAddress !== undefined || e.bindPort !== undefined
    ? encodeSockAddr(sockAddr(e.bindAddress ?? (family === 4 ? '0.0.0.0' : '::'), e.bindPort ?? 0, e.bindInterface))
    : null;
  return {
    family: family === 4 ? AF_INET : AF_INET6,
    peer: encodeSockAddr(peerAddress(e)),
    local,
    ifname: e.bindInterface !== undefined ? Buffer.from(`${e.bindInterface}\0`) : null,
    mark: e.fwmark ?? null,
  };
}

/** Whether an endpoint needs the addon's socket (node's sockets cannot apply these). */
export function needsNativeSocket(e: ProbeEndpoint): boolean {
  return e.bindInterface !== undefined || e.fwmark !== undefined;
}
