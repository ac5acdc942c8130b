// keepalived.conf's line language, applied to each line before it is tokenized (keepalived.conf(5)
// "ADVANCED CONFIGURATION"; behaviour checked against keepalived 2.2.7 as a black box):
//
// - `@ID rest` keeps `rest` only when ID is the config id (-i/--config-id, default the host name
//   without its domain); `@^ID rest` keeps it only when ID is not.
// - `$NAME=value` defines NAME (A-Za-z0-9_, not starting with a digit); `$NAME= \` starts a
//   multi-line value whose lines end in `\`, up to the first line that does not.
// - `${NAME}` anywhere, and `$NAME` followed by whitespace or the end of the line, are replaced by
//   the value at the time of use, recursively; undefined names stay as written. A multi-line value
//   becomes several lines (the text around the reference goes to its first and last line), and
//   each is processed again (so values may hold definitions and conditionals).
// - Pre-defined: ${_PWD} (directory of the current file), ${_INSTANCE} (the config id),
//   ${_RANDOM [MIN [MAX]]} (0..32767 by default), ${_HASH} '#', ${_BANG} '!'. As keepalived 2.2.7
//   does, a substituted `#`/`!` outside quotes still starts a comment.
// - `~SEQ(VAR, START, STEP, END) rest` repeats `rest` with $VAR = START, START+STEP, ... up to END
//   (STEP defaults to 1 or -1, START to 1 or -1); ~SEQx prints VAR in hex; `~LST(VAR, v1, v2...)`
//   and `~LST({A, B}, {1, 2}, {3, 4}) rest` repeat it over listed values. They nest.
import * as path from 'node:path';
import { ConfigError } from '../errors.js';
import type { SourceRef } from './types.js';

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const DEFINITION = new RegExp(`^\\s*\\$(${NAME})=(.*)$`);
const REFERENCE = new RegExp(`\\$\\{(${NAME})((?:\\s+[^}]*)?)\\}|\\$(${NAME})(?=\\s|$)`, 'g');
const REPEAT = /^\s*~(SEQx?|LST)\(/;

/** Lines one source line may expand to at most (a ~SEQ over a ~SEQ over a ~SEQ...). */
export const MAX_EXPANDED_LINES = 10_000_000;
const MAX_DEPTH = 100;

export interface ConfigLanguageOptions {
  /** -i/--config-id; keepalived's default is the host name up to its first dot. */
  configId: string;
  /** For ${_RANDOM}; Math.random by default. */
  random?: () => number;
}

export class ConfigLanguage {
  private readonly vars = new Map<string, string[]>();
  private pending: { name: string; lines: string[]; where: SourceRef } | undefined;
  private readonly random: () => number;
  /** ${_RANDOM} was expanded: another read of the same text may give another configuration. */
  randomUsed = false;

  constructor(private readonly options: ConfigLanguageOptions) {
    this.random = options.random ?? Math.random;
  }

  /** True while a multi-line definition is being read (its lines are not statements). */
  get inDefinition(): boolean {
    return this.pending !== undefined;
  }

  /** The lines `text` (line `where.line` of `where.file`) stands for. */
  *lines(text: string, where: SourceRef): Generator<string> {
    if (this.pending) {
      const more = /\\\s*$/.test(text);
      this.pending.lines.push(more ? text.replace(/\\\s*$/, '') : text);
      if (!more) {
        this.vars.set(this.pending.name, this.pending.lines);
        this.pending = undefined;
      }
      return;
    }
    // Most lines use none of the language.
    if (!/[@$~]/.test(text)) yield text;
    else yield* this.process(text, where, 0);
  }

  /** A multi-line definition still open at the end of the file. */
  finish(): void {
    if (this.pending) {
      const { name, lines, where } = this.pending;
      this.pending = undefined;
      this.vars.set(name, lines);
      throw new ConfigError(`$${name}: the multi-line definition runs to the end of the file (its last line ends with '\\')`, where);
    }
  }

  private *process(text: string, where: SourceRef, depth: number): Generator<string> {
    if (depth > MAX_DEPTH) throw new ConfigError(`definitions nest more than ${MAX_DEPTH} deep (a definition that uses itself?)`, where);
    const line = this.conditional(text);
    if (line === undefined) return;
    const def = DEFINITION.exec(line);
    if (def) {
      const [, name, value] = def as unknown as [string, string, string];
      if (/^\s*\\\s*$/.test(value)) this.pending = { name, lines: [], where };
      else this.vars.set(name, [value]);
      return;
    }
    if (REPEAT.test(line)) {
      yield* this.repeat(line, where, depth);
      return;
    }
    const expanded = this.substitute(line, where);
    if (expanded.length === 1 && expanded[0] === line) {
      yield line;
      return;
    }
    for (const l of expanded) yield* this.process(l, where, depth + 1);
  }

  private conditional(text: string): string | undefined {
    const m = /^(\s*)@(\^?)(\S*)(.*)$/.exec(text);
    if (!m) return text;
    const [, , negate, id, rest] = m as unknown as [string, string, string, string, string];
    const match = id === this.options.configId;
    return match !== (negate === '^') ? rest : undefined;
  }

  /** One round of substitution (process() repeats it on the result): the line, or the lines a multi-line value makes. */
  private substitute(line: string, where: SourceRef): string[] {
    let out: string[] = [''];
    let last = 0;
    let changed = false;
    for (const m of line.matchAll(REFERENCE)) {
      const name = m[1] ?? m[3]!;
      const value = this.value(name, (m[2] ?? '').trim(), where);
      if (value === undefined) continue;
      changed = true;
      out[out.length - 1] += line.slice(last, m.index) + value[0]!;
      for (const v of value.slice(1)) out.push(v);
      last = m.index! + m[0].length;
    }
    if (!changed) return [line];
    out[out.length - 1] += line.slice(last);
    if (out.length === 1 && out[0] === line) out = [line];
    return out;
  }

  private value(name: string, args: string, where: SourceRef): string[] | undefined {
    switch (name) {
      case '_PWD':
        return [path.dirname(path.resolve(where.file))];
      case '_INSTANCE':
        return [this.options.configId];
      case '_HASH':
        return ['#'];
      case '_BANG':
        return ['!'];
      case '_RANDOM': {
        const [lo = 0, hi = 32767] = args === '' ? [] : args.split(/\s+/).map(Number);
        if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo) throw new ConfigError(`\${_RANDOM ${args}}: expected MIN MAX, non-negative integers`, where);
        this.randomUsed = true;
        return [String(lo + Math.floor(this.random() * (hi - lo + 1)))];
      }
      default:
        if (args !== '') return undefined;
        return this.vars.get(name);
    }
  }

  private *repeat(line: string, where: SourceRef, depth: number): Generator<string> {
    const head = REPEAT.exec(line)!;
    const kind = head[1]!;
    const open = head[0].length;
    const close = matchingParen(line, open - 1);
    if (close < 0) throw new ConfigError(`~${kind}: missing ')'`, where);
    const inner = line.slice(open, close);
    const rest = line.slice(close + 1);
    const rounds = kind === 'LST' ? listRounds(inner, where) : seqRounds(kind === 'SEQx', inner, where);
    let n = 0;
    for (const round of rounds) {
      if (++n > MAX_EXPANDED_LINES) throw new ConfigError(`~${kind}: more than ${MAX_EXPANDED_LINES} repetitions`, where);
      const saved = new Map(round.map(([k]) => [k, this.vars.get(k)]));
      for (const [k, v] of round) this.vars.set(k, [v]);
      yield* this.process(rest, where, depth + 1);
      for (const [k, v] of saved) {
        if (v === undefined) this.vars.delete(k);
        else this.vars.set(k, v);
      }
    }
  }
}

function matchingParen(s: string, openAt: number): number {
  let depth = 0;
  for (let i = openAt; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

function parseNumber(text: string, what: string, where: SourceRef): number {
  const t = text.trim();
  const v = /^[+-]?0x[0-9a-f]+$/i.test(t) ? (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[+-]?0x/i, ''), 16) : /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(v)) throw new ConfigError(`~SEQ: ${what} '${t}' is not an integer`, where);
  return v;
}

function* seqRounds(hex: boolean, inner: string, where: SourceRef): Generator<Array<[string, string]>> {
  const parts = inner.split(',').map((s) => s.trim());
  const name = parts[0] ?? '';
  if (!new RegExp(`^${NAME}$`).test(name) || parts.length < 2 || parts.length > 4) {
    throw new ConfigError(`~SEQ(${inner}): expected (VAR, [START, [STEP,]] END)`, where);
  }
  const end = parseNumber(parts.at(-1)!, 'end', where);
  const start = parts.length >= 3 ? parseNumber(parts[1]!, 'start', where) : end >= 0 ? 1 : -1;
  const step = parts.length === 4 ? parseNumber(parts[2]!, 'step', where) : end >= start ? 1 : -1;
  if (step === 0) throw new ConfigError(`~SEQ(${inner}): step 0 never ends`, where);
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    yield [[name, hex ? (v < 0 ? `-${(-v).toString(16)}` : v.toString(16)) : String(v)]];
  }
}

/** `{A, B}, {1, 2}, {3, 4}` or `A, 1, 2`: each round's (name, value) pairs. */
function listRounds(inner: string, where: SourceRef): Array<Array<[string, string]>> {
  const items: string[][] = [];
  const re = /\s*(?:\{([^}]*)\}|([^,{}]*))\s*(?:,|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < inner.length && (m = re.exec(inner)) !== null) {
    if (m[0] === '') break;
    items.push(m[1] !== undefined ? m[1].split(',').map((s) => s.trim()) : [m[2]!.trim()]);
  }
  const [names, ...values] = items;
  if (!names || values.length === 0 || names.some((n) => !new RegExp(`^${NAME}$`).test(n))) {
    throw new ConfigError(`~LST(${inner}): expected (VAR, value, ...) or ({VAR, ...}, {value, ...}, ...)`, where);
  }
  return values.map((v) => {
    if (v.length !== names.length) throw new ConfigError(`~LST(${inner}): {${v.join(', ')}} does not give ${names.length} values`, where);
    return names.map((n, i) => [n, v[i]!] as [string, string]);
  });
}
