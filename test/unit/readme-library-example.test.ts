// The README's "As a library" example type-checks under strict TypeScript against the compiled
// package types, imported as a user would ('vipd', through package.json "exports"), and a wrong
// config in the same place does not (so the check is real).
import t from 'tap';
import ts from 'typescript';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## As a library'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README: no ```ts block under "## As a library"');
  return m[1]!;
}

/** Type errors per file, for modules of a project that depends on vipd (one program: one check of vipd's types). */
function typeErrors(dir: string, files: Record<string, string>): Record<string, string[]> {
  const paths = Object.entries(files).map(([name, source]) => {
    writeFileSync(join(dir, name), source);
    return join(dir, name);
  });
  const program = ts.createProgram(paths, {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
    skipLibCheck: true,
  });
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(files).map((n) => [n, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const name = d.file ? d.file.fileName.slice(dir.length + 1) : 'global';
    (out[name] ??= []).push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  return out;
}

t.test('README library example', async (t) => {
  if (!existsSync(join(ROOT, 'dist/src/index.d.ts'))) throw new Error('dist/src/index.d.ts missing: build first (npx tsc)');
  const dir = mkdtempSync(join(tmpdir(), 'vipd-readme-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user', type: 'module', private: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'vipd'), 'dir');

  const example = readmeExample();
  t.match(example, /from 'vipd'/);
  const wrong = example.replace("virtualAddresses: ['10.0.0.100/24']", 'virtualAddresses: 100');
  t.not(wrong, example, 'the example has the line the negative check edits');
  const errors = typeErrors(dir, {
    'example.ts': example,
    'wrong.ts': wrong,
    'missing.ts': "import { VrrpRouter } from 'vipd';\nawait new VrrpRouter().add({ name: 'x', interface: 'eth0', virtualAddresses: [] });\n",
  });
  t.same(errors, { 'example.ts': [], 'wrong.ts': errors['wrong.ts'], 'missing.ts': errors['missing.ts'] }, 'the example compiles');
  t.match(errors['wrong.ts']!.join('\n'), /VirtualAddressInput/, 'a wrong config is a type error');
  // (interface may be left out: a unicast instance with a unicastSource runs without one, keepalived 2.4)
  t.match(errors['missing.ts']!.join('\n'), /vrid/, 'so is a missing vrid');
});
