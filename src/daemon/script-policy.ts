// The daemon's side of the script rules (src/health/script-rules.ts) for the VRRP scripts of one
// configuration (notify_*, vrrp_script, notify FIFO scripts): each ScriptCommand is decided once,
// and what keepalived says about it is logged then, in its words (vipd's explanation as `detail`).
import type { GlobalDefs, ScriptCommand, VipdConfig } from '../config/types.js';
import { ScriptRules, type ScriptHost, type ScriptKind, type ScriptOwner } from '../health/script-rules.js';

/** A script ready to run: argv (a bare name resolved through PATH) and the ids to run it with. */
export interface RunnableScript {
  argv: string[];
  uid: number;
  gid: number;
}

export interface PolicyLog {
  warn(message: string, detail?: string): void;
  info(message: string): void;
}

export class ScriptPolicy {
  readonly #rules: ScriptRules;
  readonly #log: PolicyLog;
  readonly #done = new WeakMap<ScriptCommand, RunnableScript | null>();

  constructor(global: Pick<GlobalDefs, 'enableScriptSecurity' | 'scriptUser' | 'scriptGroup'>, host: ScriptHost, log: PolicyLog) {
    this.#rules = new ScriptRules(global, host);
    this.#log = log;
  }

  /**
   * What `cmd` runs as, or undefined when it is not run (logged). `own` is a vrrp_script's
   * `user [group]` and name; notify commands carry their user.
   */
  resolve(cmd: ScriptCommand, kind: Exclude<ScriptKind, 'check'>, own: ScriptOwner = {}): RunnableScript | undefined {
    const cached = this.#done.get(cmd);
    if (cached !== undefined) return cached ?? undefined;
    const user = own.user ?? cmd.user;
    const group = own.group ?? cmd.group;
    const d = this.#rules.decide(cmd.argv, kind, {
      ...(user !== undefined ? { user } : {}), ...(group !== undefined ? { group } : {}), ...(own.name !== undefined ? { name: own.name } : {}),
    });
    for (const n of d.notes) {
      if (n.level === 'info') this.#log.info(n.text);
      else this.#log.warn(n.text, n.detail);
    }
    const r = d.runs ? { argv: d.argv, uid: d.runAs.uid, gid: d.runAs.gid } : undefined;
    this.#done.set(cmd, r ?? null);
    return r;
  }

  /** keepalived's warning once the scripts are known: root scripts without enable_script_security. */
  summary(): string | undefined {
    return this.#rules.summary('vrrp');
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
