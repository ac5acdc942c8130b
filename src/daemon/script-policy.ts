// Who a configured script runs as, and whether it runs at all, keepalived's way (script_user,
// enable_script_security, `user [group]` of notify_* and vrrp_script; see src/health/script-security.ts
// for the file checks). Without script_user, scripts run as keepalived_script when that user exists,
// else as vipd itself, except that with enable_script_security keepalived then refuses every
// script that names no user. Every refusal and warning is logged once, with keepalived's words.
import { realpathSync, statSync } from 'node:fs';
import type { GlobalDefs, ScriptCommand, VipdConfig } from '../config/types.js';
import { checkScript, scriptCheckMessage, scriptRuns, type ScriptFs } from '../health/script-security.js';
import type { RunAs } from '../health/passwd.js';
import { lookupRunAs } from '../health/run-as.js';

/** keepalived's default script user, used when it exists and script_user is not set. */
export const DEFAULT_SCRIPT_USER = 'keepalived_script';

export interface ScriptHost {
  /** Throws (UserLookupError) when the user or group does not exist. */
  lookupUser(user: string, group?: string): RunAs;
  fs: ScriptFs;
  /** Directories a bare command name is looked up in ($PATH). */
  searchPath: string[];
  /** vipd's own ids. */
  self: RunAs;
}

export function realScriptHost(): ScriptHost {
  return {
    lookupUser: lookupRunAs,
    fs: { realpath: (p) => realpathSync(p), stat: (p) => statSync(p) },
    searchPath: (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean),
    self: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  };
}

/** A script ready to run: argv (a bare name resolved through PATH) and the ids to run it with. */
export interface RunnableScript {
  argv: string[];
  uid: number;
  gid: number;
}

export type ScriptKind = 'notify' | 'vrrp_script' | 'fifo';

export interface PolicyLog {
  warn(message: string): void;
  info(message: string): void;
}

export class ScriptPolicy {
  readonly #security: boolean;
  readonly #host: ScriptHost;
  readonly #log: PolicyLog;
  /** undefined: no default (enable_script_security without a usable script user). */
  readonly #defaultUser: RunAs | undefined;
  readonly #done = new WeakMap<ScriptCommand, RunnableScript | null>();
  #asRoot = false;
  #insecure = false;

  constructor(global: Pick<GlobalDefs, 'enableScriptSecurity' | 'scriptUser' | 'scriptGroup'>, host: ScriptHost, log: PolicyLog) {
    this.#security = global.enableScriptSecurity;
    this.#host = host;
    this.#log = log;
    this.#defaultUser = this.#findDefault(global);
  }

  #findDefault(g: Pick<GlobalDefs, 'scriptUser' | 'scriptGroup'>): RunAs | undefined {
    const user = g.scriptUser ?? DEFAULT_SCRIPT_USER;
    try {
      return this.#host.lookupUser(user, g.scriptUser !== undefined ? g.scriptGroup : undefined);
    } catch {
      // keepalived_script missing is the usual case (Debian does not create it): information only.
      if (g.scriptUser === undefined && !this.#security) this.#log.info(`Script user '${user}' does not exist`);
      else this.#log.warn(`Script user '${user}' does not exist`);
      if (this.#security) {
        this.#log.warn(`Unable to set default user ${user} for script`);
        return undefined;
      }
      return this.#host.self;
    }
  }

  /**
   * What `cmd` runs as, or undefined when it is not run (disabled: logged). `own` is a
   * vrrp_script's `user [group]`; notify commands carry theirs. `name` labels a vrrp_script.
   */
  resolve(cmd: ScriptCommand, kind: ScriptKind, own: { user?: string; group?: string; name?: string } = {}): RunnableScript | undefined {
    const cached = this.#done.get(cmd);
    if (cached !== undefined) return cached ?? undefined;
    const r = this.#resolve(cmd, kind, own);
    this.#done.set(cmd, r ?? null);
    return r;
  }

  #resolve(cmd: ScriptCommand, kind: ScriptKind, own: { user?: string; group?: string; name?: string }): RunnableScript | undefined {
    const label = kind === 'vrrp_script' ? `vrrp script ${own.name ?? cmd.text}` : `${kind === 'fifo' ? 'fifo' : 'notify'} script ${cmd.argv[0]}`;
    const user = own.user ?? cmd.user;
    const group = own.group ?? cmd.group;
    let runAs: RunAs | undefined;
    if (user !== undefined) {
      try {
        runAs = this.#host.lookupUser(user, group);
      } catch (e) {
        this.#log.warn(`${(e as Error).message}: Invalid user/group for ${label} - ignoring`);
        return undefined;
      }
    } else {
      runAs = this.#defaultUser;
      if (!runAs) {
        this.#log.warn(kind === 'vrrp_script' ? `Unable to set default user for ${label} - removing` : `Failed to set default user for ${label} - ignoring`);
        return undefined;
      }
    }
    const file = cmd.argv[0]!;
    const check = checkScript(file, runAs, this.#host.fs, this.#host.searchPath);
    if (check.ok && check.searched) this.#log.warn(`WARNING - script \`${file}\` resolved by path search to \`${check.path}\`. Please specify full path.`);
    const message = scriptCheckMessage(check, runAs, this.#security);
    const runs = scriptRuns(check, this.#security);
    if (message) this.#log.warn(message);
    if (!runs && kind === 'vrrp_script') {
      this.#log.warn(`Disabling track script ${own.name ?? file} ${check.ok ? 'due to insecure' : 'since not found/accessible'}`);
    }
    if (!runs || !check.ok) return undefined;
    if (runAs.uid === 0) this.#asRoot = true;
    if (check.insecure) this.#insecure = true;
    return { argv: [check.path, ...cmd.argv.slice(1)], uid: runAs.uid, gid: runAs.gid };
  }

  /** keepalived's warning once the scripts are known: root scripts without enable_script_security. */
  summary(): string | undefined {
    if (this.#security || !this.#asRoot) return undefined;
    return `SECURITY VIOLATION - scripts are being executed but script_security not enabled.${this.#insecure ? ' There are insecure scripts.' : ''}`;
  }
}

/** Resolves every script the configuration would run (so each refusal is logged at load time, as keepalived). */
export function checkConfigScripts(config: VipdConfig, policy: ScriptPolicy): void {
  const notify = (o: Partial<Record<'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify' | 'notifyMasterRxLowerPri', ScriptCommand>>) => {
    for (const k of ['notifyMaster', 'notifyBackup', 'notifyFault', 'notifyStop', 'notify', 'notifyMasterRxLowerPri'] as const) {
      const c = o[k];
      if (c) policy.resolve(c, 'notify');
    }
  };
  const tracked = new Set<string>();
  for (const i of config.vrrpInstances) {
    notify(i);
    if (i.notifyDeleted?.script) policy.resolve(i.notifyDeleted.script, 'notify');
    for (const t of i.trackScripts) tracked.add(t.name);
  }
  for (const g of config.vrrpSyncGroups) {
    notify(g);
    if (g.notifyDeleted?.script) policy.resolve(g.notifyDeleted.script, 'notify');
    for (const t of g.trackScripts) tracked.add(t.name);
  }
  for (const s of config.vrrpScripts) {
    if (!tracked.has(s.name) || /^(https?|tcp):\/\//.test(s.script.argv[0] ?? '')) continue;
    policy.resolve(s.script, 'vrrp_script', { name: s.name, ...(s.user ? { user: s.user } : {}), ...(s.group ? { group: s.group } : {}) });
  }
}
