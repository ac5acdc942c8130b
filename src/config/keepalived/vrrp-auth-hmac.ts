// auth_hmac { } inside a vrrp_instance: the keyword table over the auth_hmac core's handlers
// (src/vrrp/auth-hmac/config.ts has the semantics and the messages), and the instance-level step
// once the whole instance is read. Several blocks in one instance add up, as keepalived takes them.
import type { Statement } from '../block-parser.js';
import type { VrrpAuthHmacSpec } from '../types.js';
import {
  authHmacKeywords, finishAuthHmac, newAuthHmacDraft, resolveAuthHmac, type AuthHmacDraft, type InstanceFacts,
} from '../../vrrp/auth-hmac/config.js';
import type { KeyFileReader } from '../../vrrp/auth-hmac/keys.js';
import { implemented, type Kit, type KeywordTable } from './kit.js';

const NO_READER: KeyFileReader = { read: () => { throw new Error('no key reader'); } };

/** The block's keywords (key, active_key, anti_replay, time_window, mode); `file:` keys read through the kit. */
export const AUTH_HMAC: KeywordTable<AuthHmacDraft> = Object.fromEntries(
  Object.keys(authHmacKeywords({ reader: NO_READER })).map((k) => [k, implemented<AuthHmacDraft>((s, d, kit) => {
    authHmacKeywords({ reader: kit.keyReader })[k]!(s, d);
  })]),
);

/** Reads one `auth_hmac { }` statement into the instance's draft (created by the first block). */
export function authHmacBlock(st: Statement, draft: AuthHmacDraft | undefined, kit: Kit): AuthHmacDraft {
  const d = draft ?? newAuthHmacDraft(st);
  kit.apply(kit.needBlock(st), AUTH_HMAC, d, 'auth_hmac');
  return d;
}

/**
 * The instance's auth_hmac once the instance is complete: defaults (time_window from advert_int),
 * strict mode's rule (mode enforce), warnings at their lines. ConfigError when it cannot run.
 */
export function finishAuthHmacSpec(draft: AuthHmacDraft, facts: InstanceFacts, kit: Kit): { spec: VrrpAuthHmacSpec; dropLegacyAuthentication: boolean } {
  const { settings, warnings, dropLegacyAuthentication } = resolveAuthHmac(finishAuthHmac(draft), facts);
  for (const w of warnings) kit.warn(w, w.message);
  return {
    spec: {
      keys: [...settings.keys.values()], activeKey: settings.activeKeyId, mode: settings.mode,
      antiReplay: settings.antiReplay, timeWindow: settings.windowS, where: draft.where,
    },
    dropLegacyAuthentication,
  };
}
