// vrrp_script NAME { ... }: a tracked check whose exit status (or weight) moves instances.
import type { Statement } from '../block-parser.js';
import { SCRIPT_DEFAULTS } from '../defaults.js';
import type { ScriptCommand, VrrpScriptSpec } from '../types.js';
import { argText, intArg, optArg, parseTimerText, whereOf } from '../values.js';
import type { ConfigDraft } from './draft.js';
import { asKeepalived, implemented, type Handler, type Kit, type KeywordTable } from './kit.js';
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

/** keepalived reads a number that is not one as 0: the value it then goes on with. */
const asNumber = (text: string): number => (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : 0);

/**
 * interval / timeout: keepalived sets 0 (and a value that is not a number) to 1 and ignores a
 * negative one (or one over 4294 s for interval).
 */
function scriptTimer(key: 'interval' | 'timeout'): Handler<ScriptDraft> {
  return (s, d, kit) => {
    const text = argText(s, 0, 'seconds');
    if (asNumber(text) === 0) {
      kit.instead(s, `${key}: '${text}' is not greater than 0`, 'using 1');
      d[key] = 1;
      return;
    }
    kit.tolerate(s, () => (d[key] = parseTimerText(s, text, key, key === 'interval' ? 4294 : Number.MAX_SAFE_INTEGER)), 'ignored');
  };
}

/** rise / fall: keepalived uses 1 for any value it cannot take. */
const count = (key: 'rise' | 'fall'): Handler<ScriptDraft> =>
  asKeepalived((s, d) => (d[key] = intArg(s, 0, 1, 2 ** 31 - 1)), { says: 'using 1', apply: (d) => (d[key] = 1) });

/** Words keepalived ignores after what it reads: a warning, and they are left out. */
function extraIgnored(s: Statement, kit: Kit, from: number, what: string): void {
  if (s.args.length > from) kit.instead(s, `${s.keyword}: unexpected '${s.args.slice(from).map((a) => a.text).join(' ')}' (${what})`, 'ignored');
}

export const VRRP_SCRIPT: KeywordTable<ScriptDraft> = {
  script: implemented(asKeepalived((s, d, kit) => (d.script = kit.command(s, 'ignored')), 'ignored')),
  interval: implemented(scriptTimer('interval')),
  timeout: implemented(scriptTimer('timeout')),
  // keepalived warns on a weight outside -253..253 but uses it (as a C int); a word that is not a
  // number is 0. The effective priority stays within 1..254 either way.
  weight: implemented((s, d, kit) => {
    const text = argText(s, 0, 'weight');
    const n = kit.readsAsZero(s, 'weight', text) ? 0 : Number(BigInt.asIntN(32, BigInt(text)));
    if (n < -SCRIPT_WEIGHT || n > SCRIPT_WEIGHT) kit.instead(s, `weight: ${text} is out of range -${SCRIPT_WEIGHT}..${SCRIPT_WEIGHT}`, `using ${n}`);
    d.weight = n;
    const r = optArg(s, 1);
    d.weightReverse = r === 'reverse';
    extraIgnored(s, kit, r === 'reverse' ? 2 : 1, "only 'reverse' may follow");
  }),
  rise: implemented(count('rise')),
  fall: implemented(count('fall')),
  init_fail: implemented((_s, d) => (d.initFail = true)),
  user: implemented((s, d, kit) => {
    d.user = argText(s, 0, 'user name');
    const grp = optArg(s, 1);
    if (grp !== undefined) d.group = grp;
    extraIgnored(s, kit, 2, 'user USERNAME [GROUPNAME]');
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
