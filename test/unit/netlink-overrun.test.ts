// The overrun path above the socket, with fake transports: the error a Socket emits when the
// kernel reports ENOBUFS (SystemError, syscallCode ENOBUFS) becomes one 'overrun' on the
// connection and the subscription, and a VrrpRouter answers it by re-reading every link. Any
// other socket error stays an error. The kernel side is test/integration/netlink-overrun.test.ts.
import t from 'tap';
import { FakeTransport } from '../helpers/nltest.js';
import { decodeMessages } from '../../src/netif/netlink/message.js';
import { NetlinkConn } from '../../src/netif/netlink/conn.js';
import { RtNetlink } from '../../src/netif/rtnetlink.js';
import { VrrpRouter } from '../../src/vrrp/router.js';
import { SystemError } from '../../src/errors.js';

const RTM_GETLINK = 18;

/** What Socket emits for a pending socket error read by the addon (native/watch.c). */
function socketError(code: string, errno: number): SystemError {
  return new SystemError('receive', Object.assign(new Error(`SO_ERROR ${code}: ...`), { code, errno, syscall: 'SO_ERROR' }));
}

t.test('NetlinkConn: ENOBUFS from the socket is an overrun, other socket errors are errors', async (t) => {
  const ft = new FakeTransport();
  const c = new NetlinkConn(ft, { groups: 1 });
  const overruns: Error[] = [];
  const errors: Error[] = [];
  c.on('overrun', (e) => overruns.push(e));
  c.on('error', (e) => errors.push(e));
  ft.fail(socketError('ENOBUFS', 105));
  t.equal(overruns.length, 1);
  t.same(errors, []);
  ft.fail(socketError('ENETDOWN', 100));
  t.equal(overruns.length, 1);
  t.match(errors, [{ syscallCode: 'ENETDOWN' }]);
  c.close();
});

t.test('VrrpRouter resyncs its links when its subscription overruns', async (t) => {
  const transports: Array<{ groups: number; t: FakeTransport }> = [];
  const rt = RtNetlink.fromTransport((groups) => {
    const ft = new FakeTransport();
    transports.push({ groups, t: ft });
    return ft;
  });
  const router = new VrrpRouter({ rtnetlink: rt, announce: { gratuitousArp: () => undefined, unsolicitedNa: () => undefined } });
  const errors: Error[] = [];
  router.on('error', (e) => errors.push(e));
  const requests = transports.find((x) => x.groups === 0)!.t;
  const sub = transports.find((x) => x.groups !== 0)!.t;
  const linkDumps = () => requests.sent.flatMap((d) => decodeMessages(d)).filter((m) => m.header.type === RTM_GETLINK).length;
  t.equal(linkDumps(), 0);
  sub.fail(socketError('ENOBUFS', 105));
  await new Promise((r) => setImmediate(r));
  t.equal(linkDumps(), 1, 'one RTM_GETLINK dump after the overrun');
  t.same(errors, [], 'an overrun is not an error');
  await router.close();
  rt.close();
});
