// The userspace proxy's pick (src/proxy/balancer.ts) and its redirect rules (redirect-rules.ts),
// both pure: loads and health in, a dial order out; VIPs in, nft text out.
import t from 'tap';
import { dialOrder, redirectRuleset, type BackendLoad } from '../../src/proxy/index.js';

const b = (key: string, active = 0, healthy = true): BackendLoad => ({ key, active, healthy });

/** The first pick of `n` connections in a row, each seeing the cursor the previous left. */
function picks(balance: 'round-robin' | 'least-connections', backends: BackendLoad[], n: number): string[] {
  const out: string[] = [];
  let cursor = 0;
  for (let i = 0; i < n; i++) {
    const r = dialOrder(balance, backends, cursor);
    out.push(r.order[0]!);
    cursor = r.cursor;
  }
  return out;
}

t.test('round robin: each healthy backend in turn; the rest of the order are the fallbacks', async (t) => {
  const three = [b('a'), b('b'), b('c')];
  t.same(picks('round-robin', three, 6), ['a', 'b', 'c', 'a', 'b', 'c']);
  t.same(dialOrder('round-robin', three, 1).order, ['b', 'c', 'a'], 'a failed dial goes on to the next');
  t.same(picks('round-robin', [b('a'), b('b', 0, false), b('c')], 4), ['a', 'c', 'a', 'c'], 'an unhealthy backend gets nothing');
  t.same(dialOrder('round-robin', [b('a'), b('b', 0, false), b('c')], 1).order, ['c', 'a'], 'nor is it a fallback');
  t.same(picks('round-robin', [b('a', 0, false), b('b', 0, false)], 3), ['a', 'b', 'a'], 'none healthy: all are tried (k0s does the same)');
  t.same(dialOrder('round-robin', [], 5), { order: [], cursor: 0 }, 'no backend: nothing to try');
  t.same(dialOrder('round-robin', three, 7).order[0], 'b', 'a cursor past the end wraps');
});

t.test('least connections: the fewest open; ties in round-robin order', async (t) => {
  t.same(dialOrder('least-connections', [b('a', 3), b('b', 1), b('c', 2)], 0).order, ['b', 'c', 'a']);
  t.same(picks('least-connections', [b('a', 1), b('b', 1), b('c', 1)], 4), ['a', 'b', 'c', 'a'], 'equal loads rotate');
  t.same(dialOrder('least-connections', [b('a', 0, false), b('b', 5), b('c', 9)], 0).order, ['b', 'c'], 'unhealthy ones are left out even when idle');
  t.equal(dialOrder('least-connections', [b('a', 2), b('b', 0), b('c', 2)], 0).cursor, 2, 'the cursor moves past the pick');
});

t.test('redirect rules: VIP:apiPort to the proxy port in nat prerouting and output, both families', async (t) => {
  t.equal(redirectRuleset(['10.0.0.200', 'fd00::200', '10.0.0.200'], 6443, 6444), [
    '  chain prerouting {',
    '    type nat hook prerouting priority -100; policy accept;',
    '    ip daddr 10.0.0.200 tcp dport 6443 redirect to :6444',
    '    ip6 daddr fd00::200 tcp dport 6443 redirect to :6444',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    ip daddr 10.0.0.200 tcp dport 6443 redirect to :6444',
    '    ip6 daddr fd00::200 tcp dport 6443 redirect to :6444',
    '  }',
  ].join('\n'));
});
