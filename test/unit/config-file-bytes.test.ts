// The daemon's reads of keepalived.conf into two kept buffers (src/daemon/load-config.ts): a read
// never overwrites the bytes the last kept read is still using, a grown file gets a larger buffer,
// and a missing file is a ConfigError naming it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FileBytes } from '../../src/daemon/load-config.js';
import { ConfigError } from '../../src/errors.js';

t.test('two buffers: the kept read stays intact', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'k.conf');
  const r = new FileBytes();
  writeFileSync(file, 'one\n');
  const a = r.read(file);
  r.keep();
  writeFileSync(file, 'two\n');
  const b = r.read(file);
  t.equal(a.toString(), 'one\n', 'the kept bytes are not overwritten');
  t.equal(b.toString(), 'two\n');
  // Not kept (e.g. the reload was rejected): the next read reuses its buffer, the kept one stays.
  writeFileSync(file, 'six\n');
  t.equal(r.read(file).toString(), 'six\n');
  t.equal(a.toString(), 'one\n');
  r.keep();
  writeFileSync(file, 'x'.repeat(100_000));
  const big = r.read(file);
  t.equal(big.length, 100_000, 'a larger file: a larger buffer');
  t.equal(a.toString(), 'one\n');
  t.throws(() => r.read(join(dir, 'missing.conf')), ConfigError);
});
