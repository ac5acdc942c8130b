// src/os/cpu-affinity.ts on the host kernel, in child processes: every thread and the processes
// started afterwards run on the CPUs asked for; an impossible list is a clear EINVAL.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { osProcess } from '../helpers/os-process.js';

if (requireEnv(t, { root: true })) {
  t.test('pinned to CPU 0: every thread and a child', async (t) => {
    const { result, code, stderr } = await osProcess(['cpu-affinity', '0']);
    t.equal(code, 0, stderr);
    t.same(result.affinity, [0]);
    const threads = result.threads as string[];
    t.ok(threads.length > 1, `${threads.length} threads`);
    t.same([...new Set(threads)], ['0'], 'Cpus_allowed_list 0 on every thread');
    t.equal(result.child, '0', 'inherited by a process started afterwards');
  });

  t.test('a CPU that does not exist: EINVAL', async (t) => {
    const { result } = await osProcess(['cpu-affinity', '4000']);
    t.match(result, { error: { name: 'SystemError', syscallCode: 'EINVAL', message: /sched_setaffinity\(4000\).*online/ } });
  });
}
