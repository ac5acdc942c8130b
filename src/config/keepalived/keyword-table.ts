// Every block context's keyword table in one place, for tests and docs (README's keyword list
// is generated from it: `npm run docs:keywords`).
import { GLOBAL_DEFS } from './global-defs.js';
import type { KeywordStatus, KeywordTable } from './kit.js';
import {
  BFD_CHECK, DNS_CHECK, FILE_CHECK, HTTP_GET, MISC_CHECK, PING_CHECK, SMTP_CHECK, SMTP_HOST, SSL_GET, TCP_CHECK, UDP_CHECK, URL,
} from './lvs-checkers.js';
import { SSL } from './ssl.js';
import { TRACK_FILE } from './track-file.js';
import { REAL_SERVER } from './lvs-real-server.js';
import { VIRTUAL_SERVER } from './lvs-virtual-server.js';
import * as skipped from './skipped-blocks.js';
import { TOP_LEVEL } from './top-level.js';
import { AUTHENTICATION, VIRTUAL_IPADDRESS_OPTIONS } from './vrrp-addresses.js';
import { VRRP_INSTANCE } from './vrrp-instance.js';
import { ROUTE_OPTIONS, RULE_OPTIONS } from './vrrp-routes.js';
import { AUTH_HMAC } from './vrrp-auth-hmac.js';
import { VRRP_SCRIPT } from './vrrp-script.js';
import { VRRP_SYNC_GROUP } from './vrrp-sync-group.js';
import { TRACK_PROCESS } from './track-process.js';

export interface KeywordInfo {
  status: KeywordStatus;
  note?: string;
  block?: string;
  /** Opens a block of plain lines. */
  list?: true;
}

/** Block contexts, outermost first. */
export const CONTEXTS: Readonly<Record<string, KeywordTable<never>>> = {
  'top level': TOP_LEVEL,
  global_defs: GLOBAL_DEFS,
  vrrp_script: VRRP_SCRIPT,
  track_file: TRACK_FILE,
  vrrp_track_process: TRACK_PROCESS,
  vrrp_sync_group: VRRP_SYNC_GROUP,
  vrrp_instance: VRRP_INSTANCE,
  authentication: AUTHENTICATION,
  auth_hmac: AUTH_HMAC,
  'virtual_ipaddress options': VIRTUAL_IPADDRESS_OPTIONS,
  'virtual_routes options': ROUTE_OPTIONS,
  'virtual_rules options': RULE_OPTIONS,
  virtual_server: VIRTUAL_SERVER,
  real_server: REAL_SERVER,
  TCP_CHECK,
  HTTP_GET,
  SSL_GET,
  url: URL,
  SMTP_CHECK,
  'SMTP_CHECK host': SMTP_HOST,
  DNS_CHECK,
  PING_CHECK,
  UDP_CHECK,
  MISC_CHECK,
  FILE_CHECK,
  SSL,
  // Accepted with one warning for the whole block, not read:
  bfd_instance: skipped.BFD_INSTANCE,
  garp_group: skipped.GARP_GROUP,
  track_group: skipped.TRACK_GROUP,
  BFD_CHECK,
};

/** A block context: 'top level', 'global_defs', 'vrrp_instance', ... */
export type KeywordContext = string;

function info(table: KeywordTable<never>): Record<string, KeywordInfo> {
  return Object.fromEntries(Object.entries(table).map(([k, e]) => [k, {
    status: e.status, ...(e.note !== undefined ? { note: e.note } : {}), ...(e.block !== undefined ? { block: e.block } : {}), ...(e.list ? { list: e.list } : {}),
  }]));
}

/** The line language (config-language.ts), applied before keywords are read. */
const CONFIG_LANGUAGE: Record<string, KeywordInfo> = {
  '@ID / @^ID': { status: 'implemented', note: 'lines for one config id (-i/--config-id, default the host name)' },
  '$NAME=VALUE': { status: 'implemented', note: 'definitions, also multi-line with a trailing backslash' },
  '$NAME / ${NAME}': { status: 'implemented', note: 'substitution, recursive, at the time of use' },
  '${_PWD} ${_INSTANCE} ${_RANDOM} ${_HASH} ${_BANG}': { status: 'implemented' },
  '~SEQ': { status: 'implemented', note: '~SEQ(VAR, START, STEP, END) repeats the rest of the line' },
  '~SEQx': { status: 'implemented', note: 'as ~SEQ, VAR in hex' },
  '~LST': { status: 'implemented', note: '~LST(VAR, v1, v2...) or ~LST({A, B}, {1, 2}...) repeats the rest of the line' },
};

/** context -> keyword -> outcome. */
export const KEYWORD_TABLE: Readonly<Record<KeywordContext, Readonly<Record<string, KeywordInfo>>>> = {
  'config language': CONFIG_LANGUAGE,
  ...Object.fromEntries(Object.entries(CONTEXTS).map(([c, t]) => [c, info(t)])),
};
