// Where the keepalived 2.4.3 build script is looked for (test/helpers/keepalived-peer.ts).
import t from 'tap';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { findPeersScript, peersScriptCandidates } from '../helpers/keepalived-peer.js';

t.test('VIPD_PEERS_DIR first, then <repo>/../shared/peers, then /work/shared/peers', async (t) => {
  t.same(peersScriptCandidates({ VIPD_PEERS_DIR: '/x/peers' }, '/w/wt/repo'), [
    '/x/peers/build-keepalived-2.4.3.sh', '/w/wt/shared/peers/build-keepalived-2.4.3.sh', '/work/shared/peers/build-keepalived-2.4.3.sh',
  ]);
  t.same(peersScriptCandidates({}, '/work/main'), ['/work/shared/peers/build-keepalived-2.4.3.sh'], 'no duplicates');
  const root = mkdtempSync(join(tmpdir(), 'vipd-peers-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'repo'));
  mkdirSync(join(root, 'shared', 'peers'), { recursive: true });
  mkdirSync(join(root, 'env'));
  const sibling = join(root, 'shared', 'peers', 'build-keepalived-2.4.3.sh');
  writeFileSync(sibling, '#!/bin/sh\n');
  t.equal(findPeersScript({}, join(root, 'repo')), sibling, 'the sibling shared/peers of the repo');
  t.equal(findPeersScript({ VIPD_PEERS_DIR: join(root, 'env') }, join(root, 'repo')), sibling, 'an env dir without the script is skipped');
  writeFileSync(join(root, 'env', 'build-keepalived-2.4.3.sh'), '#!/bin/sh\n');
  t.equal(findPeersScript({ VIPD_PEERS_DIR: join(root, 'env') }, join(root, 'repo')), join(root, 'env', 'build-keepalived-2.4.3.sh'), 'the env dir wins');
});
