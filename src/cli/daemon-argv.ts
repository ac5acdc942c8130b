// The daemon's command line without yargs: yargs and what it loads are ~5-6 MB of a ~60 MB
// daemon's RSS, paid for good as ES modules never unload. This reads only the plain forms k0s and
// init scripts use (`--dont-fork --use-file F --no-syslog --log-console`, `-f F`, `--flag=value`),
// from RUN_FLAGS; anything else (help, a subcommand, an unknown or repeated flag, `-nl`, a bad
// value) returns undefined and yargs parses the whole line, with its messages.
import { RUN_FLAGS, checkRunArgs, type RunArgs, type RunFlag } from './run-flags.js';

const byName = new Map<string, RunFlag>();
for (const f of RUN_FLAGS) {
  byName.set(`--${f.name}`, f);
  if (f.alias) byName.set(f.alias.length === 1 ? `-${f.alias}` : `--${f.alias}`, f);
}

/** The daemon's flags when argv holds only plain forms of them (see above); else undefined. */
export function parseDaemonArgv(argv: readonly string[]): RunArgs | undefined {
  const args: Record<string, unknown> = {};
  for (const f of RUN_FLAGS) if (f.default !== undefined) args[f.name] = f.default;
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const flag = byName.get(eq > 0 ? token.slice(0, eq) : token);
    if (!flag || seen.has(flag.name)) return undefined;
    seen.add(flag.name);
    let value: string | undefined = eq > 0 ? token.slice(eq + 1) : undefined;
    if (flag.type === 'boolean') {
      // yargs takes `--flag false` as a value: leave those to it.
      if (value !== undefined || /^(true|false)$/.test(argv[i + 1] ?? '')) return undefined;
      args[flag.name] = true;
      continue;
    }
    if (flag.type === 'array') return undefined;
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('-')) return undefined;
    }
    if (value === '' || (flag.choices && !flag.choices.includes(value))) return undefined;
    if (flag.type === 'number') {
      if (!/^-?\d+$/.test(value)) return undefined;
      args[flag.name] = Number(value);
    } else {
      args[flag.name] = value;
    }
  }
  const r = args as RunArgs;
  try {
    checkRunArgs(r);
  } catch {
    return undefined;
  }
  return r;
}
