// The userspace proxy's backend health (src/proxy/backend-health.ts) on a manual clock: probes
// every interval after the previous one ended, rise/fall counting, a change event per flip,
// removed backends stop being probed. And which probe checks an API server.
import t from 'tap';
import { BackendHealth, backendProbeSpec, type BackendChange } from '../../src/proxy/index.js';
import type { ProbeResult } from '../../src/health/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { settle } from '../helpers/daemon-fakes.js';

t.test('probe specs: /readyz over HTTPS (not verified) or a TCP connect, on the API port', async (t) => {
  t.same(backendProbeSpec('10.0.0.1', 6443, 'readyz'), { kind: 'http', options: { address: '10.0.0.1', port: 6443, tls: true, path: '/readyz' } });
  t.same(backendProbeSpec('fd00::1', 7443, 'tcp'), { kind: 'tcp', options: { address: 'fd00::1', port: 7443 } });
});

t.test('up and down, one change event per flip; fall 2 needs two failures', async (t) => {
  const clock = new ManualClock();
  const answers = new Map<string, ProbeResult>([['a', { ok: true }], ['b', { ok: true }]]);
  const probed: string[] = [];
  const h = new BackendHealth((key) => async () => {
    probed.push(key);
    return answers.get(key)!;
  }, { timers: clock, intervalMs: 1000, fall: 2 });
  const changes: BackendChange[] = [];
  h.on('change', (c) => changes.push(c));
  t.ok(h.healthy('a'), 'unknown counts as healthy');
  h.set(['a', 'b']);
  await settle();
  t.same(probed, ['a', 'b'], 'probed at once');
  answers.set('b', { ok: false, reason: 'status 500' });
  clock.advance(1000);
  await settle();
  t.ok(h.healthy('b'), 'one failure of fall 2: still up');
  clock.advance(1000);
  await settle();
  t.notOk(h.healthy('b'), 'two: down');
  t.same(changes, [{ key: 'b', ok: false, reason: 'status 500' }]);
  t.equal(h.lastReason('b'), 'status 500');
  answers.set('b', { ok: true });
  clock.advance(1000);
  await settle();
  t.ok(h.healthy('b'), 'rise 1: back up at the first success');
  t.same(changes.at(-1), { key: 'b', ok: true });
  h.set(['a']);
  const before = probed.length;
  clock.advance(5000);
  await settle();
  t.notOk(probed.slice(before).includes('b'), 'a removed backend is no longer probed');
  h.close();
  t.equal(clock.pending, 0, 'closed: no timer left');
});
