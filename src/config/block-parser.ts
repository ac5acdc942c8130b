// Token stream -> statement tree. A statement is a keyword with arguments up to the end of its
// line, optionally followed by a `{ ... }` block (the `{` may also start the next line).
// Streaming: top-level statements are handed out one by one as each is complete, so a huge
// config is never held as one tree.
//
// Braces are read by keyword, as keepalived reads them (a Grammar says, per block, which keywords
// open one), and a brace out of place is a warning, not an error, because keepalived goes on:
// - a `{` after a keyword that takes no block (or an unknown one, or none) is ignored, so the
//   next `}` ends the block around it;
// - a block keyword with no `{` after it still opens its block: the lines that follow, up to the
//   next `}`, are read as its block;
// - a `}` with no block open is ignored; a block still open at the end of the config ends there.
// Without a grammar (GENERIC) any keyword may open a block and every `{` opens one.
import type { Token } from './tokenizer.js';

export interface Statement {
  keyword: string;
  args: Token[];
  /** Present when the statement opened a block (possibly empty). */
  block?: Statement[];
  file: string;
  line: number;
}

/** How the keywords of one block read: `rule(k)` is the grammar of the block k opens (k must open one), 'value' (k takes none) or undefined (k may open one, read by GENERIC). */
export interface Grammar {
  rule(keyword: string): Grammar | 'value' | undefined;
}

/** Any keyword may open a block; its braces are matched and nothing more. */
export const GENERIC: Grammar = { rule: () => undefined };
/** A block of plain lines (addresses, names): nothing in it opens a block. */
export const LIST: Grammar = { rule: () => 'value' };

export interface ParseOptions {
  grammar?: Grammar;
  /** A brace out of place (see above); GENERIC and no `warn`: also warned, to nowhere. */
  warn?: (at: { file: string; line: number }, message: string) => void;
}

/** Tokens one at a time, undefined at the end (tokenizer.ts's TokenStream). */
export interface TokenSource {
  next(): Token | undefined;
}

export function parseStatements(tokens: Iterable<Token> | TokenSource, options: ParseOptions = {}): Statement[] {
  return [...topLevelStatements(tokens, options)];
}

/** Each top-level statement (with its whole block) as soon as it is complete. */
export function* topLevelStatements(tokens: Iterable<Token> | TokenSource, options: ParseOptions = {}): Generator<Statement> {
  const p = new Parser(sourceOf(tokens), options.grammar ?? GENERIC, options.warn ?? (() => {}));
  for (;;) {
    const st = p.next(undefined, p.root);
    if (st === undefined || st === '}') return;
    yield st;
  }
}

function sourceOf(tokens: Iterable<Token> | TokenSource): TokenSource {
  if (!(Symbol.iterator in tokens)) return tokens;
  const it = tokens[Symbol.iterator]();
  return { next: () => {
    const r = it.next();
    return r.done ? undefined : r.value;
  } };
}

/** `vrrp_instance VI_1`: a block's keyword and its name, for messages. */
function title(st: Statement): string {
  return [st.keyword, ...st.args.slice(0, 1).map((a) => a.text)].join(' ');
}

class Parser {
  /** Look-ahead buffer: `{` may come after any number of empty lines. */
  private buf: Token[] = [];
  private pos = 0;
  private done = false;
  /** The last token taken that is not an end of line (where a block or the config ended). */
  private lastTaken: Token | undefined;
  /** The statement read last, in any block: what an ignored `{` came after. */
  private previous: Statement | undefined;
  /** The blocks open, outermost first. */
  private readonly open: Statement[] = [];

  constructor(
    private readonly it: TokenSource,
    readonly root: Grammar,
    private readonly warn: NonNullable<ParseOptions['warn']>,
  ) {}

  private peek(k = 0): Token | undefined {
    while (this.buf.length - this.pos <= k && !this.done) {
      const t = this.it.next();
      if (t === undefined) this.done = true;
      else this.buf.push(t);
    }
    return this.buf[this.pos + k];
  }

  private take(): Token {
    const t = this.peek()!;
    this.pos++;
    if (t.kind !== 'eol') this.lastTaken = t;
    if (this.pos > 1024) {
      this.buf = this.buf.slice(this.pos);
      this.pos = 0;
    }
    return t;
  }

  private skipEol(): void {
    while (this.peek()?.kind === 'eol') this.take();
  }

  /** The next statement of the block `opener` opened; '}' at its `}` (consumed), undefined at the end of the config. */
  next(opener: Statement | undefined, grammar: Grammar): Statement | '}' | undefined {
    for (;;) {
      this.skipEol();
      const t = this.peek();
      if (t === undefined) return undefined;
      if (t.kind === '}') {
        this.take();
        if (opener) return '}';
        this.warn(t, `unexpected '}' (no block is open): ignored, as keepalived does`);
        continue;
      }
      if (t.kind === '{') {
        this.take();
        this.strayOpen(t);
        continue;
      }
      const st = this.statement(grammar);
      this.previous = st;
      return st;
    }
  }

  /** A `{` that opens nothing: keepalived ignores it, so the next `}` closes the block it is in. */
  private strayOpen(t: Token): void {
    const opener = this.open[this.open.length - 1];
    const prev = this.previous;
    const after = prev && prev.file === t.file && t.line - prev.line <= 1 && !prev.block ? `'${prev.keyword}' takes no block` : 'a block needs a keyword before it';
    const then = opener ? `, so the next '}' ends ${title(opener)} (line ${opener.line})` : '';
    this.warn(t, `unexpected '{' (${after}): ignored${then}, as keepalived does`);
  }

  /** The statements of the block `opener` opened, and whether its `}` came (else the config ended). */
  private block(opener: Statement, grammar: Grammar): { block: Statement[]; closed: boolean } {
    const block: Statement[] = [];
    this.open.push(opener);
    try {
      for (;;) {
        const st = this.next(opener, grammar);
        if (st === undefined || st === '}') return { block, closed: st === '}' };
        block.push(st);
      }
    } finally {
      this.open.pop();
    }
  }

  private statement(grammar: Grammar): Statement {
    const first = this.take();
    const st: Statement = { keyword: first.text, args: [], file: first.file, line: first.line };
    const rule = grammar.rule(st.keyword);
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.kind === '}') break;
      if (t.kind === 'eol') {
        if (rule !== 'value') {
          // `keyword` on one line and `{` alone on the next one.
          let k = 1;
          while (this.peek(k)?.kind === 'eol') k++;
          if (this.peek(k)?.kind === '{') {
            for (let i = 0; i < k; i++) this.take();
            continue;
          }
        }
        this.take();
        break;
      }
      if (t.kind === '{') {
        this.take();
        if (rule === 'value') {
          this.previous = st;
          this.strayOpen(t);
          continue;
        }
        this.previous = st;
        st.block = this.enclosed(st, rule ?? GENERIC);
        return st;
      }
      st.args.push(this.take());
    }
    if (rule !== undefined && rule !== 'value') this.unopened(st, rule);
    return st;
  }

  /** The block after `{`; one the config ends inside ends there, with a warning saying what it took in. */
  private enclosed(st: Statement, grammar: Grammar): Statement[] {
    const { block, closed } = this.block(st, grammar);
    if (!closed) this.warn(st, `missing '}': block '${st.keyword}' is not closed, ${this.swallowed(st, block, 'the rest of the config')} read inside it as keepalived does`);
    return block;
  }

  /** A block keyword with no `{`: keepalived reads the lines after it, to the next `}`, as its block. */
  private unopened(st: Statement, grammar: Grammar): void {
    const { block, closed } = this.block(st, grammar);
    st.block = block;
    const end = closed ? `the '}' at line ${this.lastTaken!.line}` : 'the end of the config';
    if (block.length === 0) {
      const then = closed ? `, and ${end} ends it (not the block around it),` : ',';
      this.warn(st, `${st.keyword}: no '{' block${then} an empty one is used as keepalived does`);
      return;
    }
    this.warn(st, `${st.keyword}: no '{' after it, so ${this.swallowed(st, block, `everything up to ${end}`)} read as its block as keepalived does`);
  }

  /** "lines 5-13 (vrrp_instance VI_2 at line 7 among them) are": what a block took in, loudly. */
  private swallowed(st: Statement, block: Statement[], what: string): string {
    if (block.length === 0) return `${what} (nothing) is`;
    const from = block[0]!, to = this.lastTaken!;
    const lines = from.file !== to.file || to.file !== st.file ? ` (from ${from.file}:${from.line}` : from.line === to.line ? ` (line ${from.line}` : ` (lines ${from.line}-${to.line}`;
    const blocks: string[] = [];
    const visit = (sts: Statement[]) => {
      for (const s of sts) {
        const rule = this.root.rule(s.keyword);
        if (rule !== 'value' && rule !== undefined) blocks.push(`${title(s)} at ${s.file === st.file ? '' : `${s.file}:`}line ${s.line}`);
        if (s.block) visit(s.block);
      }
    };
    visit(block);
    const among = blocks.length ? `, with ${blocks.slice(0, 3).join(', ')}${blocks.length > 3 ? ` and ${blocks.length - 3} more` : ''}` : '';
    return `${what}${lines}${among}) is`;
  }
}
