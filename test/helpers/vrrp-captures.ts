// Real keepalived adverts, captured for the VRRP codec tests.
//
// Source: keepalived v2.2.7 (Debian 12) in a throw-away network namespace, veth vk0 10.99.0.1/24
// (MAC 02:00:00:00:99:01, link-local fe80::ff:fe00:9901), peer vk1 10.99.0.2/24 in a second namespace:
//   keepalived -n -l -D -f conf --vrrp -p x.pid -r y.pid
//   tcpdump -i vk0 -w cap.pcap -c 2 proto 112 ; tcpdump -r cap.pcap -x    (IP header onwards)
// tshark -r cap.pcap -V reports every checksum below as "[correct]".
// Each constant notes the vrrp_instance that produced it.

/** Hex rows (with optional `//` comments) to bytes. */
export function hex(rows: string): Buffer {
  const clean = rows
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, '').replace(/0x[0-9a-f]{4}:/i, ''))
    .join('')
    .replace(/\s+/g, '');
  return Buffer.from(clean, 'hex');
}

/** v2, VRID 51, priority 200, advert_int 1, auth PASS "k0spass", VIPs 10.99.0.100/24 and 10.99.0.101/24. */
export const V2_PASS_TWO_VIPS = hex(`
  45c0 002c 0001 0000 ff70 d02a 0a63 0001   // IPv4, len 44, TTL 255, proto 112, 10.99.0.1 ->
  e000 0012 2133 c802 0101 4d25 0a63 0064   // 224.0.0.18 | v2 type 1, VRID 51, prio 200, 2 addrs, auth 1, 1 s, csum
  0a63 0065 6b30 7370 6173 7300             // 10.99.0.101 | "k0spass\\0"
`);

/** v2, VRID 51, priority 200, PASS "k0spass", VIP 10.99.0.100/24. */
export const V2_PASS_ONE_VIP = hex(`
  45c0 0028 0001 0000 ff70 d02e 0a63 0001
  e000 0012 2133 c801 0101 57ee 0a63 0064
  6b30 7370 6173 7300
`);

/** The same instance on SIGTERM: the priority 0 advert ("sent 0 priority"). */
export const V2_PRIORITY_ZERO = hex(`
  45c0 0028 0004 0000 ff70 d02b 0a63 0001
  e000 0012 2133 0001 0101 1fef 0a63 0064   // prio 0
  6b30 7370 6173 7300
`);

/** v2 unicast: VRID 55, priority 200, PASS "12345678", unicast_src_ip 10.99.0.1, unicast_peer 10.99.0.2. */
export const V2_UNICAST = hex(`
  45c0 0028 0001 0000 ff70 a5dc 0a63 0001
  0a63 0002 2137 c801 0101 3a25 0a63 0069   // -> 10.99.0.2 | VRID 55 ... 10.99.0.105
  3132 3334 3536 3738                       // "12345678"
`);

/** v3 IPv4 (global_defs vrrp_version 3): VRID 52, priority 100, advert_int 1 (100 cs), VIP 10.99.0.102/24. */
export const V3_IPV4 = hex(`
  45c0 0020 0001 0000 ff70 d036 0a63 0001
  e000 0012 3134 6401 0064 74aa 0a63 0066   // v3 type 1, VRID 52, prio 100, 1 addr, 100 cs, csum (pseudo-header)
`);

/** v3 IPv4: VRID 54, priority 254, advert_int 0.5 (50 cs), VIP 10.99.0.104/24. */
export const V3_IPV4_HALF_SECOND = hex(`
  45c0 0020 0001 0000 ff70 d036 0a63 0001
  e000 0012 3136 fe01 0032 dad7 0a63 0068
`);

/**
 * v3 IPv6 (native_ipv6): VRID 53, priority 150, VIPs fd00:99::100/64 and fd00:99::101/64.
 * Whole IPv6 packet; a raw IPv6 socket delivers only the payload (from byte 40), so tests slice it.
 */
export const V3_IPV6 = hex(`
  6c01 8e76 0028 70ff fe80 0000 0000 0000   // IPv6, payload 40, next header 112, hop limit 255, src
  0000 00ff fe00 9901 ff02 0000 0000 0000   // fe80::ff:fe00:9901 -> ff02::12
  0000 0000 0000 0012 3135 9602 0064 a4ff   // | v3, VRID 53, prio 150, 2 addrs, 100 cs, csum
  fd00 0099 0000 0000 0000 0000 0000 0100   // fd00:99::100
  fd00 0099 0000 0000 0000 0000 0000 0101   // fd00:99::101
`);
export const V3_IPV6_SOURCE = 'fe80::ff:fe00:9901';
