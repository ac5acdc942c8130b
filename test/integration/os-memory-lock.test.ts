// src/os/memory-lock.ts on the host kernel, in child processes: mlockall shows as VmLck, unlock
// clears it, a locked process exits cleanly (V8 aborts at teardown on locked pages unless
// unlocked), MCL_ONFAULT keeps RSS where it was, and without CAP_IPC_LOCK the error says so.
import t from 'tap';
import { requireEnv } from '../helpers/require.js';
import { osProcess } from '../helpers/os-process.js';

if (requireEnv(t, { root: true, commands: ['setpriv', 'prlimit'] })) {
  t.test('locked: VmLck covers the process; unlock clears it', async (t) => {
    const { result, code, stderr } = await osProcess(['memory-lock', 'unlock']);
    t.equal(code, 0, stderr);
    t.ok((result.locked as number) > 10 << 20, `VmLck ${(result.locked as number) >> 20} MiB`);
    t.equal(result.after, 0);
    t.ok((result.rssKb as number) < 120_000, `RSS ${result.rssKb} kB: MCL_ONFAULT faulted nothing in`);
  });

  t.test('a process that exits while locked exits cleanly', async (t) => {
    const { result, code, stderr } = await osProcess(['memory-lock']);
    t.equal(code, 0, `exit code 0 (a V8 abort is 133): ${stderr.slice(0, 200)}`);
    t.ok((result.locked as number) > 0);
  });

  t.test('without CAP_IPC_LOCK and a small RLIMIT_MEMLOCK: a clear error', async (t) => {
    const { result } = await osProcess(['memory-lock'], ['prlimit', '--memlock=65536:65536', 'setpriv', '--bounding-set=-ipc_lock']);
    t.match(result, { error: { name: 'SystemError', syscallCode: /^(ENOMEM|EPERM|EAGAIN)$/, message: /mlockall.*CAP_IPC_LOCK/ } });
  });
}
