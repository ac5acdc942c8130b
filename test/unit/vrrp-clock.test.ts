// The real clock's timer slack: whole milliseconds, a shared grid of ~1/100 of the delay.
import t from 'tap';
import { slackDelay } from '../../src/vrrp/clock.js';

t.test('timers due close together wake together; never early; never more than ~1 % late', async (t) => {
  // 100 masters at 1 s whose deadlines lie 0.5 ms apart (50 ms in all) wake on a few 8 ms grid
  // points (each within the millisecond after it), not on 100 different times.
  const wakes = new Set(Array.from({ length: 100 }, (_, i) => {
    const now = 4000 + i * 0.5;
    return Math.floor((now + slackDelay(now, 1000)) / 8);
  }));
  t.ok(wakes.size <= 8, `${wakes.size} wake-ups`);
  for (const [now, ms] of [[0, 1000], [3609.3, 1000], [10.7, 9.4], [0.2, 0], [12345.6, 100], [1, 5000], [7, 40950]] as const) {
    const d = slackDelay(now, ms);
    t.ok(Number.isInteger(d), `whole ms: ${now} + ${ms}`);
    t.ok(d >= ms, `not early: ${now} + ${ms} -> ${d}`);
    t.ok(d <= ms + Math.max(1, ms / 100) + 1, `at most ~1 % late: ${now} + ${ms} -> ${d}`);
  }
  t.equal(slackDelay(100, 10), 10, '10 ms adverts: a 1 ms grid, as Node has anyway');
  t.equal(slackDelay(100.25, 10), 11, 'on the whole milliseconds of the clock');
});
