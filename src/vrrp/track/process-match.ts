// Which processes a vrrp_track_process counts, as keepalived 2.2.7 matches them (observed on it):
// - `process NAME` alone: NAME is compared with the process name (/proc/PID/comm, at most 15
//   characters: a longer NAME never matches), exactly (not a pattern, unlike pgrep);
// - with parameters, `param_match` or `full_command`: the command line is compared instead, argv[0]
//   exactly (a path is not a name: `sleep` does not match `/bin/sleep 5`), then the parameters:
//     exact (parameters given, or `param_match` without a value): the same parameters, no more;
//     partial: the configured ones come first, more may follow;
//     initial: as partial, and the last configured one may be the start of the process's;
//     `full_command` without parameters or param_match: any parameters.
// Zombies are not processes that run: the caller leaves them out.

export type ParamMatch = 'exact' | 'partial' | 'initial';

export interface ProcessPattern {
  /** The process name or argv[0]. */
  name: string;
  params: readonly string[];
  /** undefined: not given. */
  paramMatch?: ParamMatch;
  fullCommand: boolean;
}

export interface ProcessInfo {
  /** /proc/PID/comm without its newline. */
  comm: string;
  /** /proc/PID/cmdline split at NUL (empty for kernel threads); undefined when not read. */
  cmdline?: readonly string[];
}

/** Whether matching needs the command line (keepalived reads cmdline only then). */
export function needsCmdline(p: ProcessPattern): boolean {
  return p.fullCommand || p.params.length > 0 || p.paramMatch !== undefined;
}

export function processMatches(p: ProcessPattern, proc: ProcessInfo): boolean {
  if (!needsCmdline(p)) return proc.comm === p.name;
  const cmdline = proc.cmdline;
  if (!cmdline || cmdline[0] !== p.name) return false;
  const args = cmdline.slice(1);
  const mode: ParamMatch | 'any' = p.paramMatch ?? (p.params.length > 0 ? 'exact' : 'any');
  if (mode === 'any') return true;
  const n = p.params.length;
  if (mode === 'exact') return args.length === n && p.params.every((a, i) => args[i] === a);
  if (args.length < n) return false;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    if (last && mode === 'initial' ? !args[i]!.startsWith(p.params[i]!) : args[i] !== p.params[i]) return false;
  }
  return true;
}

/** /proc/PID/cmdline's text as argv (NUL-separated, with a trailing NUL). */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}
