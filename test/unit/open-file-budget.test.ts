// The open-file policy, pure: what setrlimit is asked for (never lower), and when the limit reached is short.
import t from 'tap';
import { openFileTargets } from '../../src/os/open-files.js';
import { openFileShortfall, openFilesNeeded } from '../../src/daemon/open-file-budget.js';

t.test('openFileTargets: nothing when enough, the soft limit under the hard one, else both then the soft to the hard', async (t) => {
  t.same(openFileTargets(514, { soft: 1024, hard: 4096 }), [], 'enough: never lowered');
  t.same(openFileTargets(2000, { soft: 1024, hard: 4096 }), [{ soft: 2000, hard: 4096 }]);
  t.same(openFileTargets(20_512, { soft: 1024, hard: 4096 }), [{ soft: 20_512, hard: 20_512 }, { soft: 4096, hard: 4096 }]);
  t.same(openFileTargets(20_512, { soft: 4096, hard: 4096 }), [{ soft: 20_512, hard: 20_512 }], 'no fallback when the soft limit is the hard one already');
});

t.test('openFileShortfall: the checkers beyond what may be open at once', async (t) => {
  t.equal(openFilesNeeded(20_000), 20_512);
  t.equal(openFileShortfall(20_000, { soft: 20_512, hard: 20_512 }), undefined);
  t.same(openFileShortfall(20_000, { soft: 4096, hard: 4096 }), { need: 20_512, openAtOnce: 3584, waiting: 16_416 });
  t.same(openFileShortfall(2, { soft: 300, hard: 300 }), { need: 514, openAtOnce: 64, waiting: 0 }, 'short of the reserve only');
});
