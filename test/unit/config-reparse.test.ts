// A reload re-reads one changed virtual_server block only when that gives exactly what a full read
// of the new text gives (config and warnings, in order); anything else reads the whole file.
import t from 'tap';
import { MemoryConfigFs, parseKeepalivedConfig } from '../../src/config/index.js';
import { readKeepalived, rereadKeepalived } from '../../src/config/keepalived/reparse.js';
import type { KeepalivedParseOptions } from '../../src/config/keepalived/index.js';
import { ConfigError } from '../../src/errors.js';

const FILE = '/k/keepalived.conf';

function vs(i: number, weight = 1, extra = ''): string {
  return `virtual_server 10.2.0.${i} 80 {
    delay_loop 6
    lb_algo rr
    lb_kind NAT
${i % 3 === 0 ? '' : '    protocol TCP\n'}    real_server 10.3.0.${i} 8080 {
        weight ${weight}
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 10.3.1.${i} 8080 {
        weight 1${extra}
    }
}
`;
}

function conf(weights: Record<number, number> = {}, extra: Record<number, string> = {}, head = ''): string {
  let out = `global_defs {\n  checker_log_all_failures${head}\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    10.2.0.1/24\n  }\n}\n# services\n`;
  for (let i = 1; i <= 12; i++) out += vs(i, weights[i] ?? 1, extra[i] ?? '');
  return out;
}

const options = (mtu = 1500): KeepalivedParseOptions => ({ file: FILE, fs: new MemoryConfigFs({}), configId: 'n1', mtuOf: () => mtu });

function full(text: string, o = options()) {
  return parseKeepalivedConfig(text, o);
}

t.test('one weight changed: one block re-read, the same config and warnings as a full read', async (t) => {
  const first = readKeepalived(conf(), options());
  t.same(first.result, full(conf()));
  const text = conf({ 5: 7 });
  const out = rereadKeepalived(first, text, options());
  t.equal(out.how, 'block');
  t.same(out.read.result, full(text), 'config and warnings as a full read');
  t.equal(out.read.result.config.virtualServers[5 - 1]!.realServers[0]!.weight, 7);
  t.equal(out.read.result.config.virtualServers[3], first.result.config.virtualServers[3], 'other blocks keep their objects');
  // And again from the derived read: a block that gains and loses warnings (protocol missing: block 6).
  const again = conf({ 5: 7, 6: 2 }).replace('virtual_server 10.2.0.6 80 {\n    delay_loop 6', 'virtual_server 10.2.0.6 80 {\n    bogus_kw 6');
  const out2 = rereadKeepalived(out.read, again, options());
  t.equal(out2.how, 'block');
  t.same(out2.read.result, full(again));
  const back = rereadKeepalived(out2.read, conf({ 5: 7 }), options());
  t.equal(back.how, 'block');
  t.same(back.read.result, full(conf({ 5: 7 })));
  t.equal(rereadKeepalived(back.read, conf({ 5: 7 }), options()).how, 'unchanged');
});

t.test('random edits inside blocks give what a full read gives', async (t) => {
  let read = readKeepalived(conf(), options());
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let step = 0; step < 40; step++) {
    const weights: Record<number, number> = {};
    for (let k = 0; k < 1 + rnd(2); k++) weights[1 + rnd(12)] = rnd(5);
    const text = conf(weights);
    let want;
    try {
      want = full(text);
    } catch (err) {
      t.throws(() => rereadKeepalived(read, text, options()), { message: (err as Error).message });
      continue;
    }
    const out = rereadKeepalived(read, text, options());
    t.same(out.read.result, want, `step ${step} (${out.how})`);
    read = out.read;
  }
});

t.test('what is not one block reads the whole file', async (t) => {
  const first = readKeepalived(conf(), options());
  const cases: Array<[string, string, RegExp]> = [
    ['global_defs', conf({}, {}, '\n  lvs_flush'), /lines were added|not inside/],
    ['global_defs, same lines', conf().replace('checker_log_all_failures', 'lvs_flush'), /not inside a virtual_server/],
    ['a line added to a block', conf({}, { 4: '\n        inhibit_on_failure' }), /lines were added/],
    ['a definition in the block', conf().replace('weight 1\n    }\n}\nvirtual_server 10.2.0.3', 'weight $W\n    }\n}\nvirtual_server 10.2.0.3'), /config language/],
    ['a block with a script', conf({}, { 7: '\n        notify_up /bin/true' }).replace('weight 1\n        notify_up', 'weight 1 notify_up').replace(/\n(\s+)notify_up/, ' notify_up'), /lines were added|runs scripts/],
    ["a block's last newline moved into the next one", conf().replace('    }\n}\nvirtual_server 10.2.0.5', '    }\n\n}virtual_server 10.2.0.5'), /not inside|out of place|lines were added/],
    ['an include in the block', conf().replace('    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.3.0.4', '    include /k/x.conf\n    lb_kind NAT\n    protocol TCP\n    real_server 10.3.0.4'), /config language or include/],
  ];
  for (const [what, text, why] of cases) {
    let out;
    try {
      out = rereadKeepalived(first, text, options());
    } catch (err) {
      t.type(err, ConfigError, what);
      continue;
    }
    t.equal(out.how, 'full', what);
    t.match(out.why, why, what);
    t.same(out.read.result, full(text), `${what}: a full read`);
  }
  const host = rereadKeepalived(first, conf({ 2: 3 }), options(9000));
  t.equal(host.how, 'full', 'the host answers otherwise (an MTU)');
  t.match(host.why, /the host changed \(mtuOf/);
});

t.test('after a virtual server skipped for its undefined group, a change reads the whole file (the blocks after it are not at their index)', async (t) => {
  const skipped = 'virtual_server group NOPE {\n    protocol TCP\n    real_server 10.3.9.9 80 {\n        weight 2\n    }\n}\n';
  const text = conf().replace('# services\n', `# services\n${skipped}`);
  const first = readKeepalived(text, options());
  t.equal(first.result.config.virtualServers.length, 12, 'the group one skipped');
  for (const i of [3, 12]) {
    const changed = text.replace(`real_server 10.3.0.${i} 8080 {\n        weight 1`, `real_server 10.3.0.${i} 8080 {\n        weight 5`);
    const out = rereadKeepalived(first, changed, options());
    t.equal(out.how, 'full', `block ${i}`);
    t.match(out.why, /skipped/);
    t.same(out.read.result, full(changed), `block ${i}: a full read`);
  }
});

t.test('a bad value in the changed block: the full read\'s error, at its line (or its warning, where keepalived runs it)', async (t) => {
  const first = readKeepalived(conf(), options());
  const bad = conf({ 8: 99999 }, { 8: '\n        weight' });
  const err = t.throws(() => full(bad)) as ConfigError;
  t.throws(() => rereadKeepalived(first, bad, options()), { message: err.message, line: err.line });
  // keepalived ignores a weight out of range: a warning, the same as a full read's.
  const warned = conf({ 8: 2 ** 31 });
  t.ok(full(warned).warnings.some((w) => w.message === 'weight: 2147483648 is out of range 0..2147483647, ignored as keepalived does'), 'warned');
  t.same(rereadKeepalived(first, warned, options()).read.result, full(warned));
});

t.test('a quote or a brace out of place reads the whole file, which goes on with it as keepalived does', async (t) => {
  const first = readKeepalived(conf(), options());
  // Each edit keeps the number of lines, inside one virtual_server block.
  const unclosed = conf().replace('        weight 1\n    }\n}\nvirtual_server 10.2.0.5', '        weight 1\n    \n}\nvirtual_server 10.2.0.5');
  const cases: Array<[string, string]> = [
    ["a '}' removed (the block swallows the next ones)", unclosed],
    ["a '}' added", conf().replace('        weight 1\n    }\n}\nvirtual_server 10.2.0.5', '        weight 1\n    }\n} }\nvirtual_server 10.2.0.5')],
    ["a '{' after a value", conf({}, { 4: ' {' })],
    ['an unterminated quote', conf({}, { 4: ' "x' })],
  ];
  for (const [what, text] of cases) {
    const want = full(text);
    t.ok(want.warnings.some((w) => /as keepalived does/.test(w.message) && /'[{}]'|quote/.test(w.message)), `${what}: a full read warns`);
    const out = rereadKeepalived(first, text, options());
    t.equal(out.how, 'full', what);
    t.match(out.why, /out of place|no longer reads as one/, what);
    t.same(out.read.result, want, `${what}: a full read`);
    // And the next clean edit after it is read in full too (the last read had it).
    const next = rereadKeepalived(out.read, text.replace('weight 1\n        TCP_CHECK', 'weight 3\n        TCP_CHECK'), options());
    t.equal(next.how, 'full', `${what}, then a clean edit`);
    t.same(next.read.result, full(text.replace('weight 1\n        TCP_CHECK', 'weight 3\n        TCP_CHECK')), `${what}, then a clean edit: a full read`);
  }
  // keepalived reads braces by keyword: in block 4, `virtual_server` is unknown and opens nothing,
  // its real_servers are block 4's, and its closing '}' ends block 4.
  const vss = full(unclosed).config.virtualServers;
  t.notOk(vss.some((v) => v.target.kind === 'address' && v.target.address === '10.2.0.5'), 'block 5 is swallowed by block 4');
  const four = vss.find((v) => v.target.kind === 'address' && v.target.address === '10.2.0.4')!;
  t.strictSame(four.realServers.map((r) => r.address), ['10.3.0.4', '10.3.1.4', '10.3.0.5', '10.3.1.5'], "block 4 holds block 5's real servers");
  t.equal(vss.length, 11, 'the blocks after it are read as before');
});

t.test('bytes: the file as read or as text; multi-byte characters before and in the changed block', async (t) => {
  // Comments with 2- and 3-byte characters: byte offsets are not character offsets after them.
  const utf8 = (w: Record<number, number>, note = 'café') => conf(w).replace('virtual_server 10.2.0.3 80 {', `# « ${note} » ✓\nvirtual_server 10.2.0.3 80 {`)
    .replace('    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.3.0.7', `    lb_algo rr # ${note}\n    lb_kind NAT\n    protocol TCP\n    real_server 10.3.0.7`);
  const first = readKeepalived(Buffer.from(utf8({}), 'utf8'), options());
  t.same(first.result, full(utf8({})));
  const after = rereadKeepalived(first, Buffer.from(utf8({ 9: 4 }), 'utf8'), options());
  t.equal(after.how, 'block', 'a change after them');
  t.same(after.read.result, full(utf8({ 9: 4 })));
  // The same number of bytes, other characters, in the block holding them (a same-size edit: only the bytes tell).
  const inside = rereadKeepalived(after.read, Buffer.from(utf8({ 9: 4, 7: 2 }, 'cafè'), 'utf8'), options());
  t.equal(inside.how, 'full', 'two blocks changed (3 and 7): the whole file');
  const one = rereadKeepalived(inside.read, Buffer.from(utf8({ 9: 4, 7: 3 }, 'cafè'), 'utf8'), options());
  t.equal(one.how, 'block', 'a weight beside them');
  t.same(one.read.result, full(utf8({ 9: 4, 7: 3 }, 'cafè')));
  t.equal(rereadKeepalived(one.read, utf8({ 9: 4, 7: 3 }, 'cafè'), options()).how, 'unchanged', 'the same text as a string');
});
