// returnFreedMemory: memory the C heap got back from free() leaves the process's RSS (glibc keeps
// freed pages below the top of its heap mapped until malloc_trim).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { returnFreedMemory } from '../../src/os/memory-trim.js';

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

t.test('pages freed below the top of the C heap go back to the kernel', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // 48 MB of 16 KB buffers (malloc'd, below glibc's mmap threshold), the last one kept so the
  // heap's top stays in use and free() alone cannot shrink it.
  let bufs: Buffer[] | undefined = Array.from({ length: 3072 }, () => Buffer.allocUnsafeSlow(16 * 1024).fill(1));
  const keep = bufs[bufs.length - 1]!;
  bufs = undefined;
  gc();
  gc();
  const before = rssMb();
  t.equal(returnFreedMemory(), true, 'glibc returned memory');
  const after = rssMb();
  t.ok(before - after > 24, `RSS ${before.toFixed(1)} -> ${after.toFixed(1)} MB`);
  t.equal(keep.length, 16 * 1024);
});

t.test('a second call has nothing left to return, and never throws', async (t) => {
  returnFreedMemory();
  t.type(returnFreedMemory(), 'boolean');
});
