// Token stream -> statement tree. A statement is a keyword with arguments up to the end of its
// line, optionally followed by a `{ ... }` block (the `{` may also start the next line).
// Streaming: top-level statements are handed out one by one as each is complete, so a huge
// config is never held as one tree.
import { ConfigError } from '../errors.js';
import type { Token } from './tokenizer.js';

export interface Statement {
  keyword: string;
  args: Token[];
  /** Present when the statement opened a block (possibly empty). */
  block?: Statement[];
  file: string;
  line: number;
}

export function parseStatements(tokens: Iterable<Token>): Statement[] {
  return [...topLevelStatements(tokens)];
}

/** Each top-level statement (with its whole block) as soon as it is complete. */
export function* topLevelStatements(tokens: Iterable<Token>): Generator<Statement> {
  const p = new Parser(tokens[Symbol.iterator]());
  for (;;) {
    const st = p.next(undefined);
    if (st === undefined) return;
    yield st;
  }
}

class Parser {
  /** Look-ahead buffer: `{` may come after any number of empty lines. */
  private buf: Token[] = [];
  private pos = 0;
  private done = false;

  constructor(private readonly it: Iterator<Token>) {}

  private peek(k = 0): Token | undefined {
    while (this.buf.length - this.pos <= k && !this.done) {
      const r = this.it.next();
      if (r.done) this.done = true;
      else this.buf.push(r.value);
    }
    return this.buf[this.pos + k];
  }

  private take(): Token {
    const t = this.peek()!;
    this.pos++;
    if (this.pos > 1024) {
      this.buf = this.buf.slice(this.pos);
      this.pos = 0;
    }
    return t;
  }

  private skipEol(): void {
    while (this.peek()?.kind === 'eol') this.take();
  }

  /** The next statement of the block `opener` opened; undefined at its `}` (consumed) or the end of the top level. */
  next(opener: Statement | undefined): Statement | undefined {
    this.skipEol();
    const t = this.peek();
    if (t === undefined) {
      if (opener) throw new ConfigError(`missing '}': block '${opener.keyword}' is not closed`, { file: opener.file, line: opener.line });
      return undefined;
    }
    if (t.kind === '}') {
      this.take();
      if (!opener) throw new ConfigError(`unexpected '}' (no block is open)`, t);
      return undefined;
    }
    if (t.kind === '{') throw new ConfigError(`unexpected '{' (a block needs a keyword before it)`, t);
    return this.statement();
  }

  private block(opener: Statement): Statement[] {
    const out: Statement[] = [];
    for (let st = this.next(opener); st !== undefined; st = this.next(opener)) out.push(st);
    return out;
  }

  private statement(): Statement {
    const first = this.take();
    const st: Statement = { keyword: first.text, args: [], file: first.file, line: first.line };
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.kind === '}') return st;
      if (t.kind === 'eol') {
        // `keyword` on one line and `{` alone on the next one.
        let k = 1;
        while (this.peek(k)?.kind === 'eol') k++;
        if (this.peek(k)?.kind === '{') {
          for (let i = 0; i < k; i++) this.take();
          continue;
        }
        this.take();
        return st;
      }
      if (t.kind === '{') {
        this.take();
        st.block = this.block(st);
        return st;
      }
      st.args.push(this.take());
    }
  }
}
