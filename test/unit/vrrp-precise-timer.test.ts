// The precise timer of the master-down deadline: never before its deadline; the event loop is blocked
// (the kernel sleep before the last stretch) for at most the margin before the deadline, and only when
// the timer fires; a cancelled timer neither fires nor sleeps. Real time, deadlines of a few ms.
import t from 'tap';
import { setPreciseTimeout } from '../../src/vrrp/precise-timer.js';

const fire = (ms: number, sleeps: number[] = []) => new Promise<{ late: number }>((resolve) => {
  const due = performance.now() + ms;
  setPreciseTimeout(() => resolve({ late: performance.now() - due }), ms, undefined, (s) => {
    sleeps.push(s);
    const until = performance.now() + s;
    while (performance.now() < until); // what the kernel sleep does to the loop
  });
});

t.test('fires at or after its deadline, having blocked the loop less than 1.5 ms once', async (t) => {
  for (const ms of [0, 0.5, 1, 3, 12]) {
    const sleeps: number[] = [];
    const { late } = await fire(ms, sleeps);
    t.ok(late >= 0, `${ms} ms: not early (${late.toFixed(3)} ms after)`);
    t.ok(sleeps.length <= 1 && sleeps.every((s) => s > 0 && s <= 1.5), `${ms} ms: slept ${sleeps.map((s) => s.toFixed(3)).join(', ') || 'not at all'}`);
  }
});

t.test('with the real kernel sleep', async (t) => {
  const due = performance.now() + 4;
  const late = await new Promise<number>((resolve) => setPreciseTimeout(() => resolve(performance.now() - due), 4));
  t.ok(late >= 0, `not early (${late.toFixed(3)} ms after)`);
});

t.test('a cancelled timer neither fires nor sleeps', async (t) => {
  let fired = 0;
  let slept = 0;
  for (const ms of [0, 1, 5]) setPreciseTimeout(() => fired++, ms, undefined, () => slept++).cancel();
  await new Promise((r) => setTimeout(r, 10));
  t.equal(fired, 0);
  t.equal(slept, 0);
});
