// The top-level SSL { } block: what SSL_GET checkers present (a client certificate and its key,
// the key's password) and the CA file they load. keepalived 2.2.7 does not verify the server
// with it (observed: a server certificate from another CA still passes), and neither does vipd.
import type { Statement } from '../block-parser.js';
import type { SslSpec } from '../types.js';
import { argText, fail, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import { implemented, type Handler, type Kit, type KeywordTable } from './kit.js';

type SslDraft = Omit<SslSpec, 'where'>;

const path = (key: 'ca' | 'certificate' | 'key'): Handler<SslDraft> => (s, d, kit) => {
  const v = argText(s, 0, 'file name');
  if (v === '') {
    // keepalived 2.2.7 runs it; what its SSL_GET then does did not show in a minute of UML.
    kit.warn(s, `${s.keyword}: empty file name: keepalived runs with it (what its SSL_GET then does was not established); vipd ignores the line`);
    return;
  }
  d[key] = v;
};

export const SSL: KeywordTable<SslDraft> = {
  password: implemented((s, d) => (d.password = argText(s, 0, 'password'))),
  ca: implemented(path('ca')),
  certificate: implemented(path('certificate')),
  key: implemented(path('key')),
};

export function sslBlock(st: Statement, config: ConfigDraft, kit: Kit): void {
  const d: SslDraft = {};
  kit.apply(kit.needBlock(st), SSL, d, 'SSL');
  if (d.key !== undefined && d.certificate === undefined) fail(st, `SSL: 'key' without 'certificate'`);
  config.global.ssl = { ...config.global.ssl, ...d, where: whereOf(st) };
}
