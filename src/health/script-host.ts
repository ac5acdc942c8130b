// The real host of the script rules (script-rules.ts): the user database (getent/passwd), the
// file system, $PATH and vipd's own ids.
import { realpathSync, statSync } from 'node:fs';
import { lookupRunAs } from './run-as.js';
import type { ScriptHost } from './script-rules.js';

export function nodeScriptHost(): ScriptHost {
  return {
    lookupUser: (user, group) => lookupRunAs(user, group),
    fs: { realpath: (p) => realpathSync(p), stat: (p) => statSync(p) },
    searchPath: (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean),
    self: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  };
}
