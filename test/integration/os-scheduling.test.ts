// src/os/scheduling.ts on the host kernel, in child processes: SCHED_RR with a priority reaches
// every thread (chrt and /proc agree), children start with SCHED_OTHER unless asked to inherit,
// SCHED_OTHER resets, and without CAP_SYS_NICE the refusal is a clear EPERM.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { osProcess } from '../helpers/os-process.js';

if (requireEnv(t, { root: true, commands: ['chrt', 'setpriv', 'prlimit'] })) {
  t.test('SCHED_RR 10 on every thread; children reset to SCHED_OTHER', async (t) => {
    const { result, code, stderr } = await osProcess(['scheduling', 'rr', '10']);
    t.equal(code, 0, stderr);
    t.match(result, { scheduling: { policy: 'rr', priority: 10, resetOnFork: true } });
    t.match(result.chrt, /SCHED_RR\|SCHED_RESET_ON_FORK[\s\S]*priority: 10/);
    const threads = result.threadPolicies as string[];
    t.ok(threads.length > 1, `${threads.length} threads`);
    t.same([...new Set(threads)], ['2'], 'policy 2 (SCHED_RR) on every thread');
    t.match(result.childChrt, /SCHED_OTHER/, 'a script started from here is not real-time');
  });

  t.test('resetOnFork false: children inherit', async (t) => {
    const { result } = await osProcess(['scheduling', 'rr', '5', 'inherit']);
    t.match(result, { scheduling: { policy: 'rr', priority: 5, resetOnFork: false } });
    t.match(result.childChrt, /SCHED_RR[\s\S]*priority: 5/);
  });

  t.test('SCHED_OTHER resets', async (t) => {
    const { result } = await osProcess(['scheduling', 'other', '0']);
    t.match(result, { scheduling: { policy: 'other', priority: 0 } });
    t.same([...new Set(result.threadPolicies as string[])], ['0']);
  });

  t.test('without CAP_SYS_NICE: EPERM, and it says what is missing', async (t) => {
    const { result } = await osProcess(['scheduling', 'rr', '10'], ['prlimit', '--rtprio=0:0', 'setpriv', '--bounding-set=-sys_nice']);
    t.match(result, { error: { name: 'SystemError', code: 'VIPD_ERR_SYSTEM', syscallCode: 'EPERM', errno: 1, message: /sched_setscheduler\(rr, 10\).*CAP_SYS_NICE/ } });
  });

  t.test('a priority out of range: EINVAL', async (t) => {
    const { result } = await osProcess(['scheduling', 'rr', '100']);
    t.match(result, { error: { syscallCode: 'EINVAL', message: /priority out of range/ } });
  });
}
