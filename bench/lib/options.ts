// The bench's command line: modes, their options and defaults, a parser (argv in, options out)
// and the canonical command that re-runs a run exactly (every option spelled out). Pure: what
// depends on the machine (which implementations are installed, CAP_SYS_NICE) comes in as
// `BenchEnv`.

export type Mode = 'failover' | 'soak' | 'ipvs' | 'config' | 'idle' | 'continuity';

type Kind = 'number' | 'string' | 'boolean' | 'list' | 'numbers';
type Value = number | string | boolean | string[] | number[];

interface OptionSpec {
  kind: Kind;
  describe: string;
  /** A value, or one computed from the environment. */
  default?: Value | ((env: BenchEnv) => Value);
  /** Allowed list items. */
  choices?: readonly string[];
  /** A list item's or string's shape. */
  pattern?: RegExp;
  min?: number;
}

export interface BenchEnv {
  /** Implementations installed on this machine. */
  installed: string[];
  /** The bench may raise a daemon to SCHED_RR. */
  capSysNice: boolean;
}

export const FAULT_NAMES = ['cut', 'graceful', 'tracking', 'preempt'] as const;
export const INTERVAL_NAMES = ['v2-1s', 'v3-1s', 'v3-100ms', 'v3-10ms'] as const;
/** A setup: one implementation on every router, or one per router joined by '+' (r1+r2+...; repeats from the start). */
export const SETUP_PATTERN = /^(vipd|keepalived|frr|mix)(\+(vipd|keepalived|frr))*$/;

const out: OptionSpec = { kind: 'string', describe: 'output directory (default /var/tmp/vipd-bench/<mode>-<date>)' };
const daemonSetups = (env: BenchEnv) => ['vipd', 'keepalived'].filter((i) => env.installed.includes(i));

export const MODES: Record<Mode, { describe: string; options: Record<string, OptionSpec> }> = {
  failover: {
    describe: 'takeover and client outage on a namespace LAN: vipd, keepalived, FRR and mixed LANs',
    options: {
      trials: { kind: 'number', default: 20, min: 1, describe: 'trials per scenario' },
      routers: { kind: 'number', default: 3, min: 2, describe: 'routers on the LAN (r1 is the master)' },
      setups: {
        kind: 'list', pattern: SETUP_PATTERN, describe: 'vipd, keepalived, frr, or one per router joined by + (vipd+keepalived: r1 vipd, r2 keepalived, r3 vipd)',
        default: (env) => ['vipd', 'keepalived', 'frr'].filter((i) => env.installed.includes(i)),
      },
      faults: { kind: 'list', choices: FAULT_NAMES, default: ['cut', 'graceful'], describe: 'faults against the master' },
      intervals: { kind: 'list', choices: INTERVAL_NAMES, default: ['v3-100ms', 'v3-10ms'], describe: 'VRRP version and advert interval' },
      out,
    },
  },
  soak: {
    describe: 'spurious transitions with both CPUs saturated: many instances, master and backup',
    options: {
      minutes: { kind: 'number', default: 5, min: 0, describe: 'minutes of load per scenario' },
      scenarios: { kind: 'list', pattern: /^\d+x\d+ms$/, default: ['1000x100ms', '100x10ms'], describe: 'INSTANCESxINTERVAL (v3; the interval a multiple of 10 ms)' },
      routers: { kind: 'number', default: 2, min: 2, describe: 'routers per LAN' },
      setups: { kind: 'list', choices: ['vipd', 'keepalived'], default: daemonSetups, describe: 'implementations' },
      'load-factor': { kind: 'number', default: 2, min: 0, describe: 'busy loops per CPU' },
      'rt-priority': { kind: 'number', default: (env) => (env.capSysNice ? 50 : 0), min: 0, describe: 'vrrp_rt_priority (SCHED_RR) for the daemons, 0: none' },
      out,
    },
  },
  ipvs: {
    describe: 'IPVS in UML: vipd and keepalived started on a keepalived.conf until the kernel holds the table',
    options: {
      sizes: { kind: 'numbers', default: [1000, 10000], min: 1, describe: 'virtual servers' },
      dests: { kind: 'number', default: 3, min: 1, describe: 'real servers per virtual server (at most 3)' },
      checks: { kind: 'list', choices: ['none', 'tcp'], default: ['none', 'tcp'], describe: 'without, and with a TCP_CHECK on every real server' },
      setups: { kind: 'list', choices: ['vipd', 'keepalived'], default: daemonSetups, describe: 'implementations' },
      ipvsadm: { kind: 'boolean', default: true, describe: 'ipvsadm -R / -e of the same table as the reference' },
      window: { kind: 'number', default: 30, min: 1, describe: 'seconds of the checkers\' CPU window' },
      'delay-loop': { kind: 'number', default: 6, min: 1, describe: 'delay_loop of the TCP_CHECK cases, s' },
      'connect-timeout': { kind: 'number', default: 3, min: 1, describe: 'connect_timeout of TCP_CHECK, s' },
      reload: { kind: 'number', default: 10000, min: 0, describe: 'virtual servers of the SIGHUP-one-weight case (0: skip)' },
      'poll-ms': { kind: 'number', default: 200, min: 10, describe: 'how often the table is counted' },
      repeats: { kind: 'number', default: 1, min: 1, describe: 'runs of every case' },
      out,
    },
  },
  config: {
    describe: 'config test (-t) of large keepalived.conf files: time and peak RSS, vipd and keepalived',
    options: {
      sizes: { kind: 'numbers', default: [10000, 100000], min: 0, describe: 'virtual servers (x 3 real servers)' },
      repeats: { kind: 'number', default: 5, min: 1, describe: 'runs per size and implementation' },
      setups: { kind: 'list', choices: ['vipd', 'keepalived'], default: daemonSetups, describe: 'implementations' },
      out,
    },
  },
  idle: {
    describe: 'CPU and RSS of one VRRP instance as master (and RSS with many)',
    options: {
      'advert-ints': { kind: 'list', pattern: /^\d+(\.\d+)?$/, default: ['1', '0.01'], describe: 'advert_int values, s' },
      warmup: { kind: 'number', default: 30, min: 0, describe: 'seconds after MASTER before sampling (past V8\'s start-up GCs)' },
      window: { kind: 'number', default: 20, min: 1, describe: 'seconds sampled' },
      instances: { kind: 'number', default: 100, min: 0, describe: 'instances of the RSS run (0: skip)' },
      repeats: { kind: 'number', default: 3, min: 1, describe: 'runs of every case' },
      setups: { kind: 'list', choices: ['vipd', 'keepalived'], default: daemonSetups, describe: 'implementations' },
      out,
    },
  },
  continuity: {
    describe: 'established connections through a master power loss in UML, with and without lvs_sync_daemon',
    options: {
      conns: { kind: 'number', default: 30, min: 3, describe: 'long-lived connections per run (rr over the three controllers)' },
      trials: { kind: 'number', default: 3, min: 1, describe: 'runs per implementation and sync setting' },
      setups: { kind: 'list', choices: ['vipd', 'keepalived'], default: daemonSetups, describe: 'implementations' },
      out,
    },
  },
};

export type BenchOptions = Record<string, Value | undefined>;
export interface ParsedArgs { mode: Mode; opts: BenchOptions; help: boolean }

export class BenchUsageError extends Error {}

function parseValue(name: string, spec: OptionSpec, raw: string): Value {
  switch (spec.kind) {
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new BenchUsageError(`--${name}: "${raw}" is not a number`);
      if (spec.min !== undefined && n < spec.min) throw new BenchUsageError(`--${name}: at least ${spec.min}`);
      return n;
    }
    case 'numbers': {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (!items.length) throw new BenchUsageError(`--${name}: give at least one number`);
      return items.map((s) => {
        const n = Number(s.replace(/_/g, ''));
        if (!Number.isInteger(n) || (spec.min !== undefined && n < spec.min)) throw new BenchUsageError(`--${name}: "${s}" is not an integer${spec.min !== undefined ? ` >= ${spec.min}` : ''}`);
        return n;
      });
    }
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (!items.length) throw new BenchUsageError(`--${name}: give at least one value`);
      for (const s of items) {
        if (spec.choices && !spec.choices.includes(s)) throw new BenchUsageError(`--${name}: unknown "${s}" (one of ${spec.choices.join(', ')})`);
        if (spec.pattern && !spec.pattern.test(s)) throw new BenchUsageError(`--${name}: "${s}" does not read as ${spec.describe}`);
      }
      return items;
    }
    case 'boolean':
      if (/^(true|yes|1)$/i.test(raw)) return true;
      if (/^(false|no|0)$/i.test(raw)) return false;
      throw new BenchUsageError(`--${name}: "${raw}" is not true or false`);
    default:
      if (spec.pattern && !spec.pattern.test(raw)) throw new BenchUsageError(`--${name}: "${raw}" does not read as ${spec.describe}`);
      return raw;
  }
}

/** `vipd bench <mode> [--option value | --option=value | --flag | --no-flag]...` */
export function parseBenchArgs(argv: string[], env: BenchEnv): ParsedArgs {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { mode: 'failover', opts: {}, help: true };
  if (!Object.hasOwn(MODES, first)) throw new BenchUsageError(`unknown mode "${first}" (one of ${Object.keys(MODES).join(', ')})`);
  const mode = first as Mode;
  const specs = MODES[mode].options;
  const opts: BenchOptions = {};
  let help = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new BenchUsageError(`unexpected argument "${arg}"`);
    let [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const known = (n: string) => (Object.hasOwn(specs, n) ? specs[n] : undefined);
    if (!known(name) && name.startsWith('no-') && known(name.slice(3))?.kind === 'boolean' && inline === undefined) {
      opts[name.slice(3)] = false;
      continue;
    }
    const spec = known(name);
    if (!spec) throw new BenchUsageError(`unknown option --${name} for ${mode} (${Object.keys(specs).map((k) => `--${k}`).join(', ')})`);
    if (spec.kind === 'boolean' && inline === undefined) {
      const next = rest[i + 1];
      if (next !== undefined && /^(true|false|yes|no|0|1)$/i.test(next)) inline = rest[++i];
      else {
        opts[name] = true;
        continue;
      }
    }
    if (inline === undefined) {
      inline = rest[++i];
      if (inline === undefined) throw new BenchUsageError(`--${name} needs a value`);
    }
    opts[name] = parseValue(name, spec, inline);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (opts[name] === undefined && spec.default !== undefined) opts[name] = typeof spec.default === 'function' ? spec.default(env) : spec.default;
  }
  return { mode, opts, help };
}

/** The command that re-runs this exactly: every option of the mode with its value. */
export function commandLine(prefix: string, mode: Mode, opts: BenchOptions): string {
  const parts = [prefix, mode];
  for (const [name, spec] of Object.entries(MODES[mode].options)) {
    const v = opts[name];
    if (v === undefined) continue;
    if (spec.kind === 'boolean') parts.push(v ? `--${name}` : `--no-${name}`);
    else parts.push(`--${name}`, Array.isArray(v) ? v.join(',') : quote(String(v)));
  }
  return parts.join(' ');
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function usage(prefix: string, mode?: Mode): string {
  const modes = mode ? [mode] : (Object.keys(MODES) as Mode[]);
  const lines: string[] = [`usage: ${prefix} <mode> [options]   (root: namespaces, UML)`, ''];
  for (const m of modes) {
    lines.push(`${m}: ${MODES[m].describe}`);
    for (const [name, spec] of Object.entries(MODES[m].options)) {
      const d = spec.default === undefined ? '' : typeof spec.default === 'function' ? ' (default: depends on the machine)' : ` (default ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})`;
      lines.push(`  --${name.padEnd(16)} ${spec.describe}${d}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
