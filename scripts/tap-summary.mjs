// Passes TAP through (so CI logs show every test) and ends with a plain summary line:
// "tests: N passed, M failed" counted over test files (the top-level TAP points).
import { createInterface } from 'node:readline';

let passed = 0;
let failed = 0;
const failures = [];
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  const m = /^(not ok|ok) \d+ - (.*?)(\s+#.*)?$/.exec(line);
  if (!m) return;
  if (m[1] === 'ok') passed++;
  else { failed++; failures.push(m[2]); }
});
rl.on('close', () => {
  if (failures.length) process.stdout.write(`\nFailed test files:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
});
