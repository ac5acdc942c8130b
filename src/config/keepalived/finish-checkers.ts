// A real server's checkers once the whole file is read: timing, alpha and virtualhost resolved
// from the checker, real server and virtual server levels; FILE_CHECK joined to its track_file;
// SMTP_CHECK host { } blocks made checks of their own; BFD_CHECK dropped. With a script host
// (the daemon, vipd -t), MISC_CHECK programs and notify_up/notify_down are planned as keepalived
// does at load (health/script-rules.ts): a script that cannot or must not run is dropped with a warning
// at its line, so its real server does not depend on it, as keepalived's does not.
import { checkerTimingDefaults } from '../defaults.js';
import type { CheckerBase, CheckerSpec, CheckTiming, GlobalDefs, RealServerSpec, ScriptCommand, TrackFileSpec } from '../types.js';
import { fail } from '../values.js';
import type { ScriptKind, ScriptOwner, ScriptRules } from '../../health/script-rules.js';
import type { NetCheckerDraft, RealServerDraft, TimingDraft, VsDraft } from './draft.js';
import type { Kit } from './kit.js';

export interface CheckerContext {
  vs: VsDraft;
  vsDelay: number;
  global: GlobalDefs;
  trackFiles: TrackFileSpec[];
  kit: Kit;
  scripts?: ScriptRules;
}

export function finishCheckers(r: RealServerDraft, cx: CheckerContext): Pick<RealServerSpec, 'checkers' | 'notifyUp' | 'notifyDown'> {
  const { rs, timing } = r;
  const out: CheckerSpec[] = [];
  const alphaDefault = r.alpha ?? cx.vs.vs.alpha;
  for (const c of r.checkers) {
    if (c.kind === 'bfd') continue; // warned where it was read: no BFD, the real server is treated as up
    if (c.kind === 'file') {
      let tf: TrackFileSpec | undefined;
      for (const line of c.trackFiles ?? []) {
        const found = cx.trackFiles.find((f) => f.name === line.name);
        if (found) tf = found;
        else cx.kit.instead(line.where, `track_file: '${line.name}' is not defined`, 'ignored');
      }
      if (!tf) {
        cx.kit.instead(c.where, `FILE_CHECK: no defined track_file`, 'this checker is skipped');
        continue;
      }
      out.push({
        type: 'FILE_CHECK', trackFile: tf.name, path: tf.file, weight: c.weight ?? tf.weight,
        reverse: c.weight !== undefined ? c.reverse ?? false : tf.reverse, where: c.where,
      });
      continue;
    }
    const pick = <K extends keyof CheckTiming>(k: K): number | undefined => (c.timing as TimingDraft)[k] ?? timing[k] ?? cx.vs.timing[k];
    const delayLoop = pick('delayLoop') ?? cx.vsDelay;
    const dflt = checkerTimingDefaults(c.kind === 'misc' ? 'MISC_CHECK' : c.type, delayLoop);
    const common = {
      retry: pick('retry') ?? dflt.retry,
      delayBeforeRetry: pick('delayBeforeRetry') ?? dflt.delayBeforeRetry,
      warmup: pick('warmup') ?? dflt.warmup,
      delayLoop,
      alpha: c.alpha ?? alphaDefault,
      ...((c.logAllFailures ?? cx.global.checkerLogAllFailures) ? { logAllFailures: true as const } : {}),
      where: c.where,
    };
    if (c.kind === 'misc') {
      const m: CheckerSpec = { type: 'MISC_CHECK', path: c.path!, timeout: c.timeout ?? delayLoop, dynamic: c.dynamic, ...common };
      if (c.user !== undefined) m.user = c.user;
      if (c.group !== undefined) m.group = c.group;
      if (cx.scripts) {
        const plan = planned(m.path, { ...(c.user !== undefined ? { user: c.user } : {}), ...(c.group !== undefined ? { group: c.group } : {}) }, 'check', 'MISC_CHECK', cx);
        if (!plan) continue;
        m.path = plan;
      }
      out.push(m);
      continue;
    }
    const connectTimeout = pick('connectTimeout') ?? dflt.connectTimeout;
    const targets = c.type === 'SMTP_CHECK' && c.hosts.length ? c.hosts.map((h) => ({ ...c, ...defined(h), timing: { ...c.timing, ...h.timing } })) : [c];
    for (const t of targets) {
      const base: CheckerBase = {
        ...common,
        connectTimeout: t.timing.connectTimeout ?? connectTimeout,
        connectIp: t.connectIp ?? rs.address,
        connectPort: t.connectPort ?? rs.port,
        ...(t.bindTo !== undefined ? { bindTo: t.bindTo } : {}),
        ...(t.bindPort !== undefined ? { bindPort: t.bindPort } : {}),
        ...(t.bindIf !== undefined ? { bindIf: t.bindIf } : {}),
        ...(t.fwmark !== undefined ? { fwmark: t.fwmark } : {}),
      };
      if (base.connectPort === 0 && c.type !== 'PING_CHECK') fail(c.where, `${c.type}: no connect_port and the real server has no port`);
      out.push(netSpec(t, base, r, cx));
    }
  }
  const notify: Pick<RealServerSpec, 'notifyUp' | 'notifyDown'> = {};
  for (const [key, cmd] of [['notifyUp', rs.notifyUp], ['notifyDown', rs.notifyDown]] as const) {
    if (!cmd) continue;
    if (!cx.scripts) {
      notify[key] = cmd;
      continue;
    }
    const plan = planned(cmd, { ...(cmd.user !== undefined ? { user: cmd.user } : {}), ...(cmd.group !== undefined ? { group: cmd.group } : {}) }, 'notify', key === 'notifyUp' ? 'notify_up' : 'notify_down', cx);
    if (plan) notify[key] = plan;
  }
  return { checkers: out, ...notify };
}

function netSpec(c: NetCheckerDraft, base: CheckerBase, r: RealServerDraft, cx: CheckerContext): CheckerSpec {
  switch (c.type) {
    case 'TCP_CHECK': return { type: 'TCP_CHECK', ...base };
    case 'PING_CHECK': return { type: 'PING_CHECK', ...base };
    case 'SMTP_CHECK': return { type: 'SMTP_CHECK', ...base, ...(c.heloName !== undefined ? { heloName: c.heloName } : {}) };
    case 'DNS_CHECK': return { type: 'DNS_CHECK', ...base, queryType: c.dnsType ?? 'SOA', name: c.dnsName ?? '.' };
    case 'UDP_CHECK':
      return {
        type: 'UDP_CHECK', ...base, minReplyLength: c.minReplyLength ?? 0, maxReplyLength: c.maxReplyLength ?? 255,
        ...(c.payload !== undefined ? { payload: c.payload } : {}), ...(c.requireReply !== undefined ? { requireReply: c.requireReply } : {}),
      };
    case 'HTTP_GET':
    case 'SSL_GET': {
      const vh = c.virtualhost ?? r.virtualhost ?? cx.vs.vs.virtualhost;
      return {
        type: c.type, ...base, urls: c.urls, enableSni: c.enableSni, httpProtocol: c.httpProtocol ?? '1.0', fastRecovery: c.fastRecovery ?? false,
        ...(vh !== undefined ? { virtualhost: vh } : {}),
      };
    }
  }
}

/** A host { } block's own settings over its SMTP_CHECK's. */
function defined(h: NetCheckerDraft): Partial<NetCheckerDraft> {
  const keys = ['connectIp', 'connectPort', 'bindTo', 'bindPort', 'bindIf', 'fwmark'] as const;
  return Object.fromEntries(keys.filter((k) => h[k] !== undefined).map((k) => [k, h[k]]));
}

/**
 * The command as it will run (program path found, runAs resolved unless vipd's own), or undefined
 * when it must not run. What keepalived says about it is a warning at its line, with vipd's why.
 */
function planned(cmd: ScriptCommand, who: ScriptOwner, kind: ScriptKind, what: string, cx: CheckerContext): ScriptCommand | undefined {
  return plannedScript(cmd, who, kind, what, cx.scripts!, cx.kit);
}

/** planned() for any LVS script (quorum_up/quorum_down too). */
export function plannedScript(cmd: ScriptCommand, who: ScriptOwner, kind: ScriptKind, what: string, rules: ScriptRules, kit: Kit): ScriptCommand | undefined {
  const d = rules.decide(cmd.argv, kind, who);
  for (const n of d.notes) {
    if (n.level === 'warn') kit.warn(cmd.where, `${what}: ${n.text}${n.detail ? ` (${n.detail})` : ''}`);
  }
  if (!d.runs) return undefined;
  return { ...cmd, argv: d.argv, ...(d.asSelf ? {} : { runAs: d.runAs }) };
}
