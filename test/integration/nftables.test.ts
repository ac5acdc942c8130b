// The nftables adapter against the kernel, in a network namespace of this test's own.
import t from 'tap';
import { NftTables } from '../../src/netif/nftables.js';
import { runCommand } from '../../src/health/run-command.js';
import { inOwnNetns } from '../helpers/own-netns.js';
import { requireEnv } from '../helpers/require.js';

if (inOwnNetns(t, new URL(import.meta.url).pathname)) {
  t.test('replace and delete a vipd table, atomically and idempotently', async (t) => {
    if (!requireEnv(t, { root: true, commands: ['nft'] })) return;
    const nft = new NftTables();
    const table = { family: 'inet' as const, name: 'vipd_it' };
    const list = async () => (await runCommand(['nft', 'list', 'ruleset'], { output: 'capture' })).stdout ?? '';
    await nft.delete(table);
    t.notMatch(await list(), /vipd_it/, 'deleting a table that does not exist is fine');
    await nft.replace(table, 'chain input {\n type filter hook input priority 0; policy accept;\n ip daddr 10.9.9.9 drop\n}');
    t.match(await list(), /table inet vipd_it[\s\S]*ip daddr 10\.9\.9\.9 drop/);
    await nft.replace(table, 'chain input {\n type filter hook input priority 0; policy accept;\n ip daddr 10.9.9.8 drop\n}');
    const after = await list();
    t.match(after, /10\.9\.9\.8/);
    t.notMatch(after, /10\.9\.9\.9/, 'a replace leaves no rule of the previous ruleset');
    await t.rejects(nft.replace(table, 'chain input { this is not nft }'), { code: 'VIPD_ERR_NFT' });
    t.match(await list(), /10\.9\.9\.8/, 'a rejected ruleset leaves the table as it was');
    await nft.delete(table);
    t.notMatch(await list(), /vipd_it/);
  });
}
