// track_file: the number keepalived reads from a file (strtol base 0, out-of-int values ignored),
// what value x weight does to an instance (weight 0: non-zero is FAULT; below -253: FAULT; at most
// +253), reverse, and FileWatch on a real directory: a write, a rename over the file, a removal
// (0) and a re-creation are seen at once; init_file [VALUE] [overwrite].
// The value table is what keepalived 2.2.7 did with the same file contents (observed in a lab).
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseTrackFileValue } from '../../src/vrrp/track/file-value.js';
import { asTracked, fileEffect, upDownEffect } from '../../src/vrrp/track/effect.js';
import { effectivePriority } from '../../src/vrrp/track/tracker-state.js';
import { FileWatch } from '../../src/vrrp/track/file-watch.js';

t.test('the value, as keepalived reads it', async (t) => {
  const table: Array<[string, number | undefined]> = [
    ['5\n', 5], ['0x10\n', 16], ['010\n', 8], ['3abc', 3], [' 4', 4], ['abc', 0], ['', 0], ['-20', -20], ['1.9', 1], ['7\n8\n', 7],
    ['+6', 6], ['0x', 0], ['-0x1f', -31], ['2147483647', 2147483647], ['-2147483648', -2147483648],
    ['2147483648', undefined], ['99999999999', undefined], ['-99999999999999999999999', undefined],
  ];
  for (const [text, want] of table) t.equal(parseTrackFileValue(text), want, JSON.stringify(text));
});

t.test('what the value does: weight 0, weights, the -253 floor, the 253 cap, reverse', async (t) => {
  t.same(fileEffect(0, 0, false), { fault: false, delta: 0 });
  t.same(fileEffect(3, 0, false), { fault: true }, 'weight 0: non-zero is FAULT');
  t.same(fileEffect(3, 0, true), { fault: false, delta: 0 }, 'weight 0 reverse: non-zero is OK');
  t.same(fileEffect(0, 0, true), { fault: true });
  t.same(fileEffect(5, 1, false), { fault: false, delta: 5 });
  t.same(fileEffect(-20, 1, false), { fault: false, delta: -20 });
  t.same(fileEffect(-253, 1, false), { fault: false, delta: -253 });
  t.same(fileEffect(-254, 1, false), { fault: true }, 'below -253: FAULT (keepalived: "has status -254")');
  t.same(fileEffect(-100, 5, false), { fault: true }, '-500: FAULT');
  t.same(fileEffect(300, 1, false), { fault: false, delta: 253 });
  t.same(fileEffect(3, 2, true), { fault: false, delta: -6 }, 'reverse negates');
  // keepalived: base 100 -> 105, 80, 1 (clamped), 254 (clamped).
  const prio = (v: number) => effectivePriority(100, [asTracked(fileEffect(v, 1, false))]);
  t.same([5, -20, -99, 300].map((v) => prio(v).priority), [105, 80, 1, 254]);
  t.ok(prio(-254).fault);
});

t.test('up/down things: weights apply while up (positive) or down (negative); reverse negates', async (t) => {
  // keepalived 2.2.7 / 2.4.3 with a track_process: weight 8 reverse, up -> -8; -32 reverse, down -> +32.
  t.same(upDownEffect(true, 8, true), { fault: false, delta: -8 });
  t.same(upDownEffect(false, 8, true), { fault: false, delta: -0 });
  t.same(upDownEffect(false, -32, true), { fault: false, delta: 32 });
  t.same(upDownEffect(true, -32, true), { fault: false, delta: -0 });
  t.same(upDownEffect(true, 0, true), { fault: true }, 'weight 0 reverse: FAULT while up');
  t.same(upDownEffect(false, 0, false), { fault: true });
  t.same(asTracked({ fault: false, delta: -8 }), { ok: false, weight: -8 });
  t.same(asTracked({ fault: true }), { ok: false, weight: 0 });
});

t.test('FileWatch: written, renamed over, removed, re-created: seen at once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-tf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tf');
  writeFileSync(file, '5\n');
  const w = new FileWatch({ file });
  t.teardown(() => w.close());
  // The watch does not keep a process alive (the daemon has its own reasons to live): the test does.
  const alive = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(alive));
  w.start();
  t.equal(w.value, 5, 'read at start');
  const next = async (fn: () => void) => {
    const p = once(w, 'change');
    const t0 = performance.now();
    fn();
    const [v] = await p;
    return { v: v as number, ms: performance.now() - t0 };
  };
  let r = await next(() => writeFileSync(file, '12\n'));
  t.equal(r.v, 12, `written (${r.ms.toFixed(1)} ms)`);
  r = await next(() => {
    writeFileSync(join(dir, 'tf.new'), '-3\n');
    renameSync(join(dir, 'tf.new'), file);
  });
  t.equal(r.v, -3, 'replaced by rename');
  r = await next(() => rmSync(file));
  t.equal(r.v, 0, 'removed: 0, as keepalived reads a missing file');
  r = await next(() => writeFileSync(file, '0x20'));
  t.equal(r.v, 32, 're-created');
  const warned = once(w, 'warning');
  writeFileSync(file, '99999999999');
  t.match(String((await warned)[0]), /Invalid number 99999999999 read from .* - ignoring/);
  t.equal(w.value, 32, 'an out-of-range number keeps the last value');
});

t.test('FileWatch: init_file writes VALUE (0600) when the file is missing, always with overwrite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-tf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = new FileWatch({ file: join(dir, 'a'), init: { value: 7, overwrite: false } });
  a.start();
  t.equal(readFileSync(join(dir, 'a'), 'utf8'), '7\n');
  t.equal(statSync(join(dir, 'a')).mode & 0o777, 0o600);
  t.equal(a.value, 7);
  a.close();
  writeFileSync(join(dir, 'b'), '42\n');
  const b = new FileWatch({ file: join(dir, 'b'), init: { value: 0, overwrite: false } });
  b.start();
  t.equal(b.value, 42, 'an existing file is left alone');
  b.close();
  const c = new FileWatch({ file: join(dir, 'b'), init: { value: 3, overwrite: true } });
  c.start();
  t.equal(c.value, 3, 'overwrite');
  c.close();
  t.notOk(FileWatch.directoryExists(join(dir, 'missing', 'f')), 'keepalived removes a track_file whose directory does not exist');
});
