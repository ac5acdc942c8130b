// Kernel receive times on the host kernel, in a network namespace of its own (loopback only): a
// datagram's receivedAt is the moment the kernel took it in, on performance.now()'s clock -- so it
// lies between the performance.now() read before the send and the one after (on loopback the
// kernel receives within the sender's sendmsg) -- for UDP and for VRRP's raw sockets (VrrpChannel),
// IPv4 and IPv6, through receive(), receiveMany() and start(); a socket that did not ask has none.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inOwnNetns } from '../helpers/own-netns.js';
import { Socket, type Datagram } from '../../src/netif/socket.js';
import { AF_INET, AF_INET6, SOCK_DGRAM } from '../../src/netif/constants.js';
import { VrrpChannel, type VrrpDatagram } from '../../src/vrrp/channel.js';
import { encodeAdvertisement } from '../../src/vrrp/packet.js';

/** Slack for the two performance.now() reads around a send (the mapping itself is exact to ~1 us). */
const SLACK_MS = 0.05;
const IPPROTO_UDP = 17;

if (inOwnNetns(t, fileURLToPath(import.meta.url))) inner();

function inner(): void {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const turn = () => new Promise<void>((r) => setImmediate(r));

  const families = [
    { name: 'IPv4', af: AF_INET, family: 'inet' as const, address: '127.0.0.1' },
    { name: 'IPv6', af: AF_INET6, family: 'inet6' as const, address: '::1' },
  ];

  for (const f of families) {
    t.test(`${f.name} UDP: receivedAt lies within the send, for every way of receiving`, async (t) => {
      const rx = Socket.open(f.af, SOCK_DGRAM, IPPROTO_UDP);
      const plain = Socket.open(f.af, SOCK_DGRAM, IPPROTO_UDP);
      const tx = Socket.open(f.af, SOCK_DGRAM, IPPROTO_UDP);
      t.teardown(() => { rx.close(); plain.close(); tx.close(); });
      for (const s of [rx, plain]) s.bind({ family: f.family, address: f.address, port: 0 });
      rx.receiveTimestamps();
      const port = (s: Socket) => { const a = s.localAddress(); return a && 'port' in a ? a.port ?? 0 : 0; };
      const send = (to: Socket) => {
        const before = performance.now();
        tx.send(Buffer.from('x'), { family: f.family, address: f.address, port: port(to) });
        return { before, after: performance.now() };
      };
      const within = (d: Datagram | null | undefined, w: { before: number; after: number }, what: string) => {
        t.ok(d, `${what}: received`);
        t.type(d?.receivedAt, 'number', `${what}: has a receive time`);
        t.ok(d!.receivedAt! >= w.before - SLACK_MS && d!.receivedAt! <= w.after + SLACK_MS,
          `${what}: ${(d!.receivedAt! - w.before).toFixed(3)} ms after the send began, within it`);
      };
      // The first datagram after lo came up may wait in the kernel (IPv6 sets up ::1 in the background).
      send(plain);
      while (!plain.receive()) await new Promise((r) => setTimeout(r, 1));
      const w1 = send(rx);
      await new Promise((r) => setTimeout(r, 5)); // received later than it arrived
      within(rx.receive(), w1, 'receive()');
      const w2 = send(rx);
      const w3 = send(rx);
      await new Promise((r) => setTimeout(r, 5));
      const [a, b] = rx.receiveMany();
      within(a, w2, 'receiveMany() first');
      within(b, w3, 'receiveMany() second');
      const got: Datagram[] = [];
      rx.on('message', (d) => got.push(d));
      rx.start();
      const w4 = send(rx);
      while (got.length < 1) await turn();
      within(got[0], w4, 'start()');
      send(plain);
      let d: Datagram | null = null;
      while (!(d = plain.receive())) await turn();
      t.equal(d.receivedAt, undefined, 'a socket that did not ask for timestamps has none');
    });

    t.test(`${f.name} VrrpChannel (raw protocol 112): adverts carry their kernel receive time`, async (t) => {
      const ch = VrrpChannel.open({ family: f.name === 'IPv4' ? 4 : 6, ifname: 'lo', ifindex: 1 });
      t.teardown(() => ch.close());
      const got: VrrpDatagram[] = [];
      ch.on('datagram', (d) => got.push(d));
      ch.start();
      const family = f.name === 'IPv4' ? 4 : 6;
      const advert = encodeAdvertisement(
        { version: 3, family, vrid: 7, priority: 100, advertIntervalCs: 100, addresses: [family === 4 ? '10.0.0.7' : 'fd00::7'] },
        { source: f.address, destination: f.address },
      );
      const before = performance.now();
      t.ok(ch.send(advert, f.address, f.address), 'sent');
      const after = performance.now();
      while (got.length < 1) await turn();
      const at = got[0]!.receivedAt;
      t.type(at, 'number');
      t.ok(at! >= before - SLACK_MS && at! <= after + SLACK_MS, `${(at! - before).toFixed(3)} ms after the send began, within it`);
    });
  }
}
