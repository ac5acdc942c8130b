// Rewrites README.md's generated keepalived.conf keyword section from the compiled keyword table.
import { readFileSync, writeFileSync } from 'node:fs';
import { withKeywordDocs } from '../dist/src/config/keepalived/keyword-docs.js';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withKeywordDocs(before);
if (after !== before) writeFileSync(file, after);
process.stdout.write(after === before ? 'README.md keyword section is up to date\n' : 'README.md keyword section rewritten\n');
