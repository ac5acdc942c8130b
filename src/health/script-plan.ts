// Whether and as whom a configured script runs, decided when the configuration is loaded, as
// keepalived does (its rules observed in 2.2.7): the script's own `user [group]`, else global
// script_user, else the user keepalived_script when it exists, else vipd's own user — except
// that with enable_script_security and none of those, the script is not run. The program must
// exist (a bare name is looked up in PATH, with a warning) and be executable by that user; run as
// root, its path must be safe (script-security.ts): else, with enable_script_security, it is
// not run, and without, it runs with a warning. Shared by every kind of script; the host (user
// database, file system) is passed in, so the decision is testable without either.
import { UserLookupError } from './errors.js';
import type { RunAs } from './passwd.js';
import { lookupRunAs } from './run-as.js';
import { executableBy, inspectScript, unsafeReason, type ScriptFile } from './script-file.js';

export interface ScriptPolicy {
  enableScriptSecurity: boolean;
  scriptUser?: string;
  scriptGroup?: string;
}

export interface ScriptHost {
  /** Ids of `user [group]`; throws (UserLookupError) when they do not exist. */
  runAs(user: string, group?: string): RunAs;
  inspect(program: string): ScriptFile;
  /** vipd's own ids: what a script without a user runs as. */
  self: RunAs;
}

/** keepalived's default script user, used when it exists. */
export const DEFAULT_SCRIPT_USER = 'keepalived_script';

export type ScriptPlan =
  /** runAs absent: vipd's own user. argv[0] is the program found (PATH resolved). */
  | { kind: 'run'; argv: string[]; runAs?: RunAs; warnings: string[] }
  | { kind: 'disabled'; reason: string; warnings: string[] };

export function planScript(argv: readonly string[], who: { user?: string; group?: string }, policy: ScriptPolicy, host: ScriptHost): ScriptPlan {
  const warnings: string[] = [];
  const disabled = (reason: string): ScriptPlan => ({ kind: 'disabled', reason, warnings });
  let runAs: RunAs | undefined;
  const resolve = (user: string, group: string | undefined, what: string): RunAs | string => {
    try {
      return host.runAs(user, group);
    } catch (e) {
      if (e instanceof UserLookupError) return `${what}: ${e.message}`;
      throw e;
    }
  };
  if (who.user !== undefined) {
    const r = resolve(who.user, who.group, 'user');
    if (typeof r === 'string') return disabled(r);
    runAs = r;
  } else if (policy.scriptUser !== undefined) {
    const r = resolve(policy.scriptUser, policy.scriptGroup, 'script_user');
    if (typeof r === 'string') return disabled(r);
    runAs = r;
  } else {
    const r = resolve(DEFAULT_SCRIPT_USER, undefined, DEFAULT_SCRIPT_USER);
    if (typeof r !== 'string') runAs = r;
    else if (policy.enableScriptSecurity) {
      return disabled(`no user to run it as: ${DEFAULT_SCRIPT_USER} does not exist and neither the script's user nor script_user is set (enable_script_security)`);
    }
  }
  const ids = runAs ?? host.self;
  const file = host.inspect(argv[0] ?? '');
  if (file.kind === 'missing') return disabled(file.reason);
  if (file.viaPath) warnings.push(`'${argv[0]}' is ${file.path} by PATH search: give the full path`);
  const target = file.chain[0]!;
  if (!executableBy(target, ids.uid, ids.gid)) return disabled(`${file.path} is not executable by uid ${ids.uid} gid ${ids.gid}`);
  if (ids.uid === 0) {
    const unsafe = unsafeReason(file.chain);
    if (unsafe && policy.enableScriptSecurity) return disabled(`unsafe for root: ${unsafe}`);
    if (unsafe) warnings.push(`runs as root although ${unsafe} (enable_script_security would refuse it)`);
  }
  return { kind: 'run', argv: [file.path, ...argv.slice(1)], ...(runAs ? { runAs } : {}), warnings };
}

/** The real host: getent/passwd lookups, the file system, our own ids. */
export function nodeScriptHost(): ScriptHost {
  return {
    runAs: (user, group) => lookupRunAs(user, group),
    inspect: (program) => inspectScript(program),
    self: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  };
}
