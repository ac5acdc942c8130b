// The resign event (keepalived: a tracked virtual route or rule deleted while MASTER): a master
// goes to BACKUP with a priority-0 advert and its VIPs removed, and takes over again after
// Master_Down_Interval when nobody else does; other states ignore it.
import t from 'tap';
import { createMachine, step, type Action, type Machine, type MachineConfig, type MachineEvent } from '../../src/vrrp/index.js';

const BASE: MachineConfig = { version: 3, priority: 100, advertIntervalCs: 100, preempt: true, preemptDelayMs: 0, acceptMode: false, primaryAddress: '10.0.0.2' };
const MDI = 3609; // v3, priority 100, 1 s: 3 s + Skew_Time 609 ms

function run(events: MachineEvent[]): { m: Machine; actions: readonly Action[] } {
  let m = createMachine(BASE);
  let actions: readonly Action[] = [];
  for (const e of events) ({ machine: m, actions } = step(m, e));
  return { m, actions };
}

t.test('master: resign -> backup, priority 0 advert, VIPs removed, master-down timer', async (t) => {
  const { m, actions } = run([{ type: 'startup', now: 0 }, { type: 'master-down-timer', now: MDI }, { type: 'resign', now: 5000 }]);
  t.equal(m.state, 'backup');
  t.strictSame(actions, [
    { type: 'cancel-timer', timer: 'adver' },
    { type: 'send-advert', priority: 0 },
    { type: 'remove-vips' },
    { type: 'set-timer', timer: 'master-down', at: 5000 + MDI },
    { type: 'notify', state: 'backup', previous: 'master', reason: 'resigned' },
  ]);
  const again = step(m, { type: 'master-down-timer', now: 5000 + MDI });
  t.equal(again.machine.state, 'master', 'master again when nobody else took over');
});

t.test('backup, fault, initialize: resign changes nothing', async (t) => {
  for (const events of [
    [{ type: 'startup', now: 0 }],
    [{ type: 'startup', now: 0 }, { type: 'fault', now: 1 }],
    [],
  ] as MachineEvent[][]) {
    const before = run(events).m;
    const r = step(before, { type: 'resign', now: 10 });
    t.equal(r.machine, before, `${before.state}: same machine`);
    t.strictSame(r.actions, []);
  }
});
