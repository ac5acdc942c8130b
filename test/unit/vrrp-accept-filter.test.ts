// no_accept's and the VMACs' nftables rules as data: what one `nft -f` transaction holds (checked
// against nft itself in test/integration/vrrp-no-accept.test.ts), and the order changes apply in.
import t from 'tap';
import { filterRuleset, NftFilter } from '../../src/vrrp/accept-filter.js';

t.test('the transaction: both tables, replaced whole, deleted when empty', async (t) => {
  t.equal(filterRuleset({ blocked: new Map(), vmacs: new Map() }),
    'table ip vipd_vrrp {}\ndelete table ip vipd_vrrp\ntable ip6 vipd_vrrp {}\ndelete table ip6 vipd_vrrp\n');
  const r = filterRuleset({ blocked: new Map([['a', ['10.0.0.2', 'fd00::2']], ['b', ['10.0.0.1']]]), vmacs: new Map([['vrrp.42', { base: 'eth0', family: 4 }]]) });
  t.equal(r, [
    'table ip vipd_vrrp {}', 'delete table ip vipd_vrrp', 'table ip vipd_vrrp {',
    '  set vips { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.2 } }',
    '  map vmac_map { type iface_index : iface_index; elements = { "vrrp.42" : "eth0" } }',
    '  chain in {', '    type filter hook input priority filter - 1; policy accept;', '    ip daddr @vips drop', '  }',
    '  chain out {', '    type filter hook output priority filter - 1; policy accept;', '    ip saddr @vips drop',
    '    ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop', '  }', '}',
    'table ip6 vipd_vrrp {}', 'delete table ip6 vipd_vrrp', 'table ip6 vipd_vrrp {',
    '  set vips { type ipv6_addr; elements = { fd00::2 } }',
    '  chain in {', '    type filter hook input priority filter - 1; policy accept;',
    '    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept', '    ip6 daddr @vips drop', '  }',
    '  chain out {', '    type filter hook output priority filter - 1; policy accept;',
    '    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept', '    ip6 saddr @vips drop', '  }', '}', '',
  ].join('\n'));
});

t.test('changes apply one after another; a failing nft is an error naming the table', async (t) => {
  const runs: string[] = [];
  let fail = false;
  const f = new NftFilter(async (ruleset) => {
    runs.push(ruleset.match(/elements = \{ ([^}]*) \}/)?.[1]?.trim() ?? 'empty');
    await new Promise((r) => setTimeout(r, 5));
    const base = { argv: ['nft', '-f', '-'], signal: null, timedOut: false, aborted: false, killed: false, durationMs: 5 };
    return fail ? { ...base, code: 1, stderr: 'Error: syntax error' } : { ...base, code: 0 };
  });
  await Promise.all([f.block('a', ['10.0.0.1']), f.block('b', ['10.0.0.2']), f.unblock('a')]);
  t.same(runs, ['10.0.0.2'], 'changes before a run starts share it');
  const first = f.block('a', ['10.0.0.1']);
  await new Promise((r) => setTimeout(r, 1)); // that run has started
  await Promise.all([first, f.unblock('b')]);
  t.same(runs, ['10.0.0.2', '10.0.0.1, 10.0.0.2', '10.0.0.1'], 'a change during a run gets a run of its own, after it');
  fail = true;
  await t.rejects(f.block('c', ['10.0.0.3']), /nftables table vipd_vrrp: Error: syntax error/);
  fail = false;
  await f.reset();
  t.equal(runs.at(-1), 'empty');
});
