// Where a network probe connects, and from where: keepalived's connect_ip/connect_port and
// bindto/bind_port/bind_if/fwmark, as plain data shared by every socket-based adapter.
import { isIP } from 'node:net';
import { ProbeOptionError } from './errors.js';

export interface ProbeEndpoint {
  /** Address to connect to: an IP address (a host name is resolved at each attempt). */
  address: string;
  port: number;
  /** Source address (keepalived bindto). */
  bindAddress?: string;
  /** Source port (keepalived bind_port). */
  bindPort?: number;
  /** Interface to send from (keepalived bind_if, SO_BINDTODEVICE). */
  bindInterface?: string;
  /** Firewall mark on the probe's packets (keepalived fwmark, SO_MARK). */
  fwmark?: number;
}

/** The connect options node:net and node:http take for an endpoint (host, port, local address/port). */
export function connectOptions(e: ProbeEndpoint): { host: string; port: number; localAddress?: string; localPort?: number } {
  return {
    host: e.address,
    port: e.port,
    ...(e.bindAddress !== undefined ? { localAddress: e.bindAddress } : {}),
    ...(e.bindPort !== undefined ? { localPort: e.bindPort } : {}),
  };
}

/**
 * Endpoint values a socket cannot take, refused when the probe is built (bind_if and fwmark are
 * applied through the addon's socket: probe-socket.ts). `portless` probes (ICMP) take port 0.
 */
export function checkEndpoint(kind: string, e: ProbeEndpoint, portless = false): void {
  if (e.bindInterface !== undefined && !/^[^/\s]{1,15}$/.test(e.bindInterface)) throw new ProbeOptionError(`${kind}: bind_if '${e.bindInterface}' is not an interface name`);
  if (e.fwmark !== undefined && (!Number.isInteger(e.fwmark) || e.fwmark < 0 || e.fwmark > 0xffffffff)) throw new ProbeOptionError(`${kind}: fwmark ${e.fwmark} is not 0-4294967295`);
  if (!portless && (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535)) throw new ProbeOptionError(`${kind}: port ${e.port} is not 1-65535`);
  if (e.bindPort !== undefined && (!Number.isInteger(e.bindPort) || e.bindPort < 0 || e.bindPort > 65535)) {
    throw new ProbeOptionError(`${kind}: bind_port ${e.bindPort} is not 0-65535`);
  }
  if (e.bindAddress !== undefined && !isIP(e.bindAddress.split('%')[0]!)) throw new ProbeOptionError(`${kind}: bindto ${e.bindAddress} is not an IP address`);
}

/** An HTTP Host value: "10.0.0.1", "[fd00::1]:8080" (the port only when not the scheme's default). */
export function hostHeader(address: string, port: number, defaultPort: number): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return port === defaultPort ? host : `${host}:${port}`;
}
