// Token stream -> statement tree. A statement is a keyword with arguments up to the end of its
// line, optionally followed by a `{ ... }` block (the `{` may also start the next line).
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

export function parseStatements(tokens: Token[]): Statement[] {
  const parser = new Parser(tokens);
  const top = parser.statements(undefined);
  return top;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private skipEol(): void {
    while (this.peek()?.kind === 'eol') this.pos++;
  }

  /** Statements until the `}` closing `opener` (consumed), or the end when opener is undefined. */
  statements(opener: Statement | undefined): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      this.skipEol();
      const t = this.peek();
      if (t === undefined) {
        if (opener) {
          throw new ConfigError(`missing '}': block '${opener.keyword}' is not closed`, { file: opener.file, line: opener.line });
        }
        return out;
      }
      if (t.kind === '}') {
        this.pos++;
        if (!opener) throw new ConfigError(`unexpected '}' (no block is open)`, t);
        return out;
      }
      if (t.kind === '{') throw new ConfigError(`unexpected '{' (a block needs a keyword before it)`, t);
      out.push(this.statement());
    }
  }

  private statement(): Statement {
    const first = this.tokens[this.pos++]!;
    const st: Statement = { keyword: first.text, args: [], file: first.file, line: first.line };
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.kind === '}') return st;
      if (t.kind === 'eol') {
        // `keyword` on one line and `{` alone on the next one.
        let look = this.pos;
        while (this.tokens[look]?.kind === 'eol') look++;
        if (this.tokens[look]?.kind === '{') {
          this.pos = look;
          continue;
        }
        this.pos++;
        return st;
      }
      if (t.kind === '{') {
        this.pos++;
        st.block = this.statements(st);
        return st;
      }
      st.args.push(t);
      this.pos++;
    }
  }
}
