// keepalived's `user [group]` (script_user, notify_* ... username groupname) to numeric ids, as
// pure functions over passwd(5)/group(5) lines: a name, or failing that a numeric id; without a
// group, the user's primary group.
import { UserLookupError } from './errors.js';

export interface PasswdEntry { name: string; uid: number; gid: number }
export interface GroupEntry { name: string; gid: number }

export interface RunAs {
  uid: number;
  gid: number;
}

/** name:password:uid:gid:gecos:home:shell lines; comments, blanks and NIS "+" lines skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of fields(text)) {
    const [name, , uid, gid] = f;
    if (name && isId(uid) && isId(gid)) out.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return out;
}

/** name:password:gid:members lines. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of fields(text)) {
    const [name, , gid] = f;
    if (name && isId(gid)) out.push({ name, gid: Number(gid) });
  }
  return out;
}

/** Ids for `user [group]`; throws UserLookupError naming what does not exist. */
export function resolveRunAs(user: string, group: string | undefined, db: { users: PasswdEntry[]; groups: GroupEntry[] }): RunAs {
  const u = db.users.find((e) => e.name === user) ?? (isId(user) ? db.users.find((e) => e.uid === Number(user)) : undefined);
  if (!u) throw new UserLookupError(`script user "${user}" does not exist`);
  if (group === undefined) return { uid: u.uid, gid: u.gid };
  const g = db.groups.find((e) => e.name === group) ?? (isId(group) ? db.groups.find((e) => e.gid === Number(group)) : undefined);
  if (!g) throw new UserLookupError(`script group "${group}" does not exist`);
  return { uid: u.uid, gid: g.gid };
}

function fields(text: string): string[][] {
  return text.split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('+') && !l.startsWith('-'))
    .map((l) => l.split(':'));
}

function isId(s: string | undefined): s is string {
  return s !== undefined && /^\d+$/.test(s) && Number(s) <= 0xffffffff;
}
