// vrrp_script NAME { ... }: a tracked check whose exit status (or weight) moves instances.
import type { Statement } from '../block-parser.js';
import { SCRIPT_DEFAULTS } from '../defaults.js';
import type { ScriptCommand, VrrpScriptSpec } from '../types.js';
import { argText, fail, intArg, optArg, positiveTimer, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import { implemented, type Kit, type KeywordTable } from './kit.js';
import { SCRIPT_WEIGHT } from './vrrp-track.js';

interface ScriptDraft {
  script?: ScriptCommand;
  interval?: number;
  timeout?: number;
  weight: number;
  weightReverse: boolean;
  rise?: number;
  fall?: number;
  initFail: boolean;
  user?: string;
  group?: string;
}

export const VRRP_SCRIPT: KeywordTable<ScriptDraft> = {
  script: implemented((s, d, kit) => (d.script = kit.command(s, false))),
  interval: implemented((s, d) => (d.interval = positiveTimer(s))),
  timeout: implemented((s, d) => (d.timeout = positiveTimer(s))),
  weight: implemented((s, d, kit) => {
    d.weight = intArg(s, 0, -(2 ** 31), 2 ** 31 - 1);
    // keepalived 2.2.7 (observed) logs it and uses it: the effective priority stays within 1..254.
    if (Math.abs(d.weight) > SCRIPT_WEIGHT) kit.instead(s, `weight: ${d.weight} is out of range -${SCRIPT_WEIGHT}..${SCRIPT_WEIGHT}`, 'used as it is (the priority stays within 1..254)');
    const r = optArg(s, 1);
    if (r !== undefined && r !== 'reverse') fail(s, `weight: unexpected '${r}' (only 'reverse' may follow)`);
    d.weightReverse = r === 'reverse';
  }),
  rise: implemented((s, d) => (d.rise = intArg(s, 0, 1, 2 ** 31 - 1))),
  fall: implemented((s, d) => (d.fall = intArg(s, 0, 1, 2 ** 31 - 1))),
  init_fail: implemented((_s, d) => (d.initFail = true)),
  user: implemented((s, d) => {
    d.user = argText(s, 0, 'user name');
    const grp = optArg(s, 1);
    if (grp !== undefined) d.group = grp;
    if (s.args.length > 2) fail(s, `user: unexpected '${s.args[2]!.text}' (user USERNAME [GROUPNAME])`);
  }),
};

export function vrrpScript(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const d: ScriptDraft = { weight: SCRIPT_DEFAULTS.weight, weightReverse: false, initFail: false };
  kit.apply(kit.needBlock(st), VRRP_SCRIPT, d, `vrrp_script ${name}`);
  // keepalived 2.2.7 keeps both and uses the first ("script ... is not used" for the other).
  if (config.scripts.some((s) => s.name === name)) return kit.warn(st, `vrrp_script ${name}: defined twice, the first definition counts (as keepalived)`);
  // keepalived drops a vrrp_script without a script (and so whatever tracks it), with a warning.
  if (!d.script) return kit.warn(st, `vrrp_script ${name}: no 'script', the vrrp_script is removed as keepalived does`);
  const interval = d.interval ?? SCRIPT_DEFAULTS.interval;
  const s: VrrpScriptSpec = {
    name,
    script: d.script,
    interval,
    timeout: d.timeout ?? interval,
    weight: d.weight,
    weightReverse: d.weightReverse,
    rise: d.rise ?? SCRIPT_DEFAULTS.rise,
    fall: d.fall ?? SCRIPT_DEFAULTS.fall,
    initFail: d.initFail,
    where: whereOf(st),
  };
  if (d.user !== undefined) s.user = d.user;
  if (d.group !== undefined) s.group = d.group;
  config.scripts.push(s);
}
