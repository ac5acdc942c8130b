// vipd's nftables tables: the transactions are pure text; the adapter reports nft's failures.
import t from 'tap';
import { NftTables, deleteTableRuleset, replaceTableRuleset } from '../../src/netif/nftables.js';

const table = { family: 'inet' as const, name: 'vipd_test' };

t.test('a replace is one transaction that declares, deletes and defines the table', async (t) => {
  t.equal(replaceTableRuleset(table, '  chain input {\n    type filter hook input priority 0;\n  }\n'),
    'table inet vipd_test {}\ndelete table inet vipd_test\ntable inet vipd_test {\n  chain input {\n    type filter hook input priority 0;\n  }\n}\n');
  t.equal(deleteTableRuleset(table), 'table inet vipd_test {}\ndelete table inet vipd_test\n', 'delete works whether or not the table exists');
});

t.test('only tables named vipd*', async (t) => {
  t.throws(() => replaceTableRuleset({ family: 'ip', name: 'filter' }, ''), { code: 'VIPD_ERR_NFT' });
  t.throws(() => deleteTableRuleset({ family: 'ip', name: 'vipd; flush ruleset' }), { code: 'VIPD_ERR_NFT' });
});

t.test('nft failures come back as VIPD_ERR_NFT with what nft said', async (t) => {
  const failing = new NftTables(async (ruleset) => ({ argv: ['nft'], code: 1, signal: null, timedOut: false, aborted: false, killed: false, stderr: `Error: syntax error\n${ruleset.length}`, durationMs: 1 }));
  await t.rejects(failing.replace(table, 'chain x { bogus }'), { code: 'VIPD_ERR_NFT', message: /replace nftables table inet vipd_test: Error: syntax error/ });
  const missing = new NftTables(async () => ({ argv: ['nft'], code: null, signal: null, timedOut: false, aborted: false, killed: false, error: 'spawn nft ENOENT', durationMs: 1 }));
  await t.rejects(missing.delete(table), { message: /spawn nft ENOENT/ });
});
