// rtnetlink against the host kernel, inside a throwaway network namespace: this file re-runs
// itself under `ip netns exec` (the outer run owns the namespace and removes it on every path),
// and the inner run cross-checks RtNetlink with `ip -j addr`, `ip addrlabel` and a veth link event.
import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requireEnv } from '../helpers/require.js';
import { onCleanup } from '../helpers/cleanup.js';
import { RtNetlink, type Link } from '../../src/netif/rtnetlink.js';
import { NetlinkError } from '../../src/netif/netlink/errors.js';

const run = promisify(execFile);
const INNER = 'VIPD_RTNL_NETNS';

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 10_000 })).stdout;
}

interface IpJsonAddr { ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number; label?: string }> }
async function ipAddrs(dev: string): Promise<string[]> {
  const j = JSON.parse(await ip('-j', 'addr', 'show', 'dev', dev)) as IpJsonAddr[];
  return (j[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}${a.label && a.label !== dev ? ` ${a.label}` : ''}`).sort();
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

if (!process.env[INNER]) {
  // Outer run: make the namespace, run this file inside it, remove the namespace.
  if (requireEnv(t, { root: true, commands: ['ip'] })) {
    const ns = `vipd-nl-${randomBytes(4).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', ns]);
    const remove = () => {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    };
    const unregister = onCleanup(remove);
    t.teardown(() => {
      remove();
      unregister();
    });
    t.spawn('ip', ['netns', 'exec', ns, process.execPath, fileURLToPath(import.meta.url)], {
      env: { ...process.env, [INNER]: ns }, timeout: 60_000,
    }, `rtnetlink in ${ns}`);
  }
} else {
  inner();
}

function inner(): void {
  let rt: RtNetlink;
  let va: Link;

  t.before(async () => {
    await ip('link', 'set', 'lo', 'up');
    await ip('link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    await ip('link', 'set', 'va', 'up');
    await ip('link', 'set', 'vb', 'up');
    rt = RtNetlink.open();
    va = await rt.link('va');
  });
  t.teardown(() => rt?.close());

  t.test('links agree with ip -j link', async (t) => {
    const links = await rt.links();
    const j = JSON.parse(await ip('-j', 'link', 'show')) as Array<{ ifindex: number; ifname: string; address: string }>;
    t.same(links.map((l) => [l.index, l.name, l.mac]).sort(), j.map((l) => [l.ifindex, l.ifname, l.address]).sort());
    t.equal(va.kind, 'veth');
    t.equal(va.up, true);
    t.same(await rt.link(va.mac), va);
    t.same(await rt.link(va.index), va);
    await t.rejects(rt.link('nope0'), { code: 'VIPD_ERR_NO_LINK' } as unknown as Error);
  });

  t.test('add, list and delete IPv4 and IPv6 addresses (cross-checked with ip -j addr)', async (t) => {
    await rt.addAddress({ ifindex: va.index, address: '10.77.0.1', prefixLength: 24 });
    await rt.addAddress({ ifindex: va.index, address: '10.77.0.100', prefixLength: 32, label: 'va:vip' });
    await rt.addAddress({ ifindex: va.index, address: 'fd00:77::1', prefixLength: 64, noDad: true });
    const shown = (await ipAddrs('va')).filter((a) => !a.startsWith('fe80'));
    t.same(shown, ['10.77.0.1/24', '10.77.0.100/32 va:vip', 'fd00:77::1/64']);
    const ours = (await rt.addresses({ ifindex: va.index })).filter((a) => a.scope === 0);
    t.same(ours.map((a) => `${a.address}/${a.prefixLength}${a.label && a.label !== 'va' ? ` ${a.label}` : ''}`).sort(), shown);
    const v6 = ours.find((a) => a.family === 6);
    t.ok(v6 && v6.flags & 0x02, 'IFA_F_NODAD reported back');
    t.equal((await rt.addresses({ ifindex: va.index, family: 4 })).length, 2);
    // The link-local address the kernel made is listed too, with link scope.
    t.ok((await rt.addresses({ ifindex: va.index, family: 6 })).some((a) => a.address.startsWith('fe80') && a.scope === 253));

    await rt.deleteAddress({ ifindex: va.index, address: '10.77.0.1', prefixLength: 24 });
    await rt.deleteAddress({ ifindex: va.index, address: '10.77.0.100', prefixLength: 32 });
    await rt.deleteAddress({ ifindex: va.index, address: 'fd00:77::1', prefixLength: 64 });
    t.same((await ipAddrs('va')).filter((a) => !a.startsWith('fe80')), []);
  });

  t.test('idempotent add and delete', async (t) => {
    const a = { ifindex: va.index, address: '10.77.1.1', prefixLength: 32 };
    await rt.addAddress(a, { exist: 'ok' });
    await rt.addAddress(a, { exist: 'ok' });
    const err = await rt.addAddress(a).catch((e: unknown) => e);
    t.ok(err instanceof NetlinkError);
    t.equal((err as NetlinkError).syscallCode, 'EEXIST');
    t.match((err as NetlinkError).extack ?? '', /already/, 'extack message from the kernel');
    const b = { ifindex: va.index, address: 'fd00:77::2', prefixLength: 128, noDad: true };
    await rt.addAddress(b, { exist: 'ok' });
    await rt.addAddress(b, { exist: 'ok' });
    t.same((await ipAddrs('va')).filter((x) => !x.startsWith('fe80')), ['10.77.1.1/32', 'fd00:77::2/128']);
    await rt.deleteAddress(a, { missing: 'ok' });
    await rt.deleteAddress(a, { missing: 'ok' });
    await rt.deleteAddress(b, { missing: 'ok' });
    await rt.deleteAddress(b, { missing: 'ok' });
    const gone = await rt.deleteAddress(a).catch((e: unknown) => e);
    t.equal((gone as NetlinkError).syscallCode, 'EADDRNOTAVAIL');
    t.same((await ipAddrs('va')).filter((x) => !x.startsWith('fe80')), []);
  });

  t.test('a link event arrives when a veth goes down, and address events', async (t) => {
    const sub = rt.subscribe();
    t.teardown(() => sub.close());
    const down = new Promise<Link>((resolve) => {
      sub.on('link', (l) => {
        if (l.name === 'va' && !l.up) resolve(l);
      });
    });
    const added = new Promise<string>((resolve) => {
      sub.on('address', (a, o) => {
        if (!o.deleted && a.address === '10.77.2.1') resolve(a.address);
      });
    });
    await ip('addr', 'add', '10.77.2.1/32', 'dev', 'va');
    t.equal(await within(5000, 'RTM_NEWADDR', added), '10.77.2.1');
    await ip('link', 'set', 'va', 'down');
    const l = await within(5000, 'RTM_NEWLINK va down', down);
    t.equal(l.index, va.index);
    t.equal(l.operstate, 'down');
    await rt.setLinkUp(va.index, true);
    t.equal((await rt.link(va.index)).up, true);
  });

  t.test('IPv6 address labels (checked with ip addrlabel)', async (t) => {
    const l = { prefix: 'fd00:77:1::', prefixLength: 64, label: 77 };
    await rt.addAddressLabel(l);
    await rt.addAddressLabel(l, { exist: 'ok' });
    t.match(await ip('addrlabel', 'list'), /prefix fd00:77:1::\/64 label 77/);
    t.ok((await rt.addressLabels()).some((x) => x.prefix === 'fd00:77:1::' && x.prefixLength === 64 && x.label === 77));
    await rt.deleteAddressLabel(l);
    await rt.deleteAddressLabel(l, { missing: 'ok' });
    t.notMatch(await ip('addrlabel', 'list'), /fd00:77:1::/);
  });

  t.test('macvlan link on the veth, then delete', async (t) => {
    await rt.createLink({ name: 'mv0', kind: 'macvlan', parent: va.index, mode: 'bridge', up: true });
    const mv = await rt.link('mv0');
    t.equal(mv.kind, 'macvlan');
    t.equal(mv.parent, va.index);
    t.equal(mv.up, true);
    t.match(await ip('-d', 'link', 'show', 'mv0'), /macvlan mode bridge/);
    await rt.createLink({ name: 'mv0', kind: 'macvlan', parent: va.index }, { exist: 'ok' });
    await rt.deleteLink('mv0');
    await rt.deleteLink('mv0', { missing: 'ok' });
    await t.rejects(rt.link('mv0'), { code: 'VIPD_ERR_NO_LINK' } as unknown as Error);
  });
}
