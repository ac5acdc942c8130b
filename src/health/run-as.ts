// Looks up `user [group]` the way the C library would: getent(1) first (LDAP, systemd-userdb and
// other NSS sources), /etc/passwd and /etc/group when getent is missing. Synchronous: it runs
// when a configuration is loaded, not per script run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { UserLookupError } from './errors.js';
import { parseGroup, parsePasswd, resolveRunAs, type GroupEntry, type PasswdEntry, type RunAs } from './passwd.js';

export function lookupRunAs(user: string, group?: string): RunAs {
  const users = entries('passwd', user, parsePasswd, '/etc/passwd');
  const groups = group === undefined ? [] : entries('group', group, parseGroup, '/etc/group');
  return resolveRunAs(user, group, { users, groups });
}

function entries<T extends PasswdEntry | GroupEntry>(db: 'passwd' | 'group', key: string, parse: (text: string) => T[], file: string): T[] {
  try {
    return parse(execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { status?: number | null };
    if (typeof err.status === 'number') return []; // getent ran: exit 2 means "no such entry"
    if (err.code !== 'ENOENT') throw new UserLookupError(`getent ${db} ${key}: ${err.message}`);
  }
  try {
    return parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}
