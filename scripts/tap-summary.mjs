// Passes TAP through (so CI logs show every test) and ends with a plain summary: the failed
// assertions of each failed file with their diagnostics (CI logs are often cut in the middle,
// so the end must say what failed), then "tests: N passed, M failed" over test files.
import { createInterface } from 'node:readline';

const MAX_DETAIL_LINES = 200;
let passed = 0;
let failed = 0;
const failures = [];
let current = []; // lines of the top-level test file being run
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  if (line.startsWith('# Subtest: ')) current = [];
  current.push(line);
  const m = /^(not ok|ok) \d+ - (.*?)(\s+#.*)?$/.exec(line);
  if (!m) return;
  if (m[1] === 'ok') passed++;
  else { failed++; failures.push({ name: m[2], detail: failedAssertions(current) }); }
  current = [];
});
rl.on('close', () => {
  if (failures.length) {
    process.stdout.write('\nFailed test files:\n');
    for (const f of failures) {
      process.stdout.write(`  - ${f.name}\n`);
      for (const d of f.detail) process.stdout.write(`      ${d}\n`);
    }
  }
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
});

// The "not ok" lines of one file (not TODO ones) with the YAML diagnostics that follow each.
function failedAssertions(lines) {
  const out = [];
  for (let i = 0; i < lines.length && out.length < MAX_DETAIL_LINES; i++) {
    const l = lines[i];
    if (!/^\s+not ok /.test(l) || /# TODO/.test(l)) continue;
    out.push(l.trim());
    const indent = /^\s*/.exec(l)[0].length;
    if (lines[i + 1]?.trim() !== '---') continue;
    for (let j = i + 1; j < lines.length && out.length < MAX_DETAIL_LINES; j++) {
      out.push(lines[j].slice(indent));
      if (lines[j].trim() === '...') { i = j; break; }
    }
  }
  return out;
}
