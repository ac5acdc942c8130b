// SMTP_CHECK's conversation (RFC 5321), pure: bytes from the server in, what to send and the
// verdict out. The server must greet with 220 and answer HELO with 250; then QUIT is sent and
// the check has passed (the 221 is not waited for). Multi-line replies ("250-...") are read to
// their last line.

export type SmtpStep =
  | { kind: 'need-more' }
  | { kind: 'send'; data: string }
  | { kind: 'passed'; send: string }
  | { kind: 'failed'; reason: string };

/** A reply longer than this without an end is not SMTP. */
const MAX_REPLY = 8192;

export class SmtpDialog {
  #buffer = '';
  #stage: 'greeting' | 'helo' | 'done' = 'greeting';

  constructor(private readonly heloName: string) {}

  /** Feed what arrived; returns the next step. */
  receive(chunk: Buffer): SmtpStep {
    if (this.#stage === 'done') return { kind: 'need-more' };
    this.#buffer += chunk.toString('latin1');
    const reply = takeReply(this.#buffer);
    if (!reply) {
      if (this.#buffer.length > MAX_REPLY) return this.#fail('a reply without an end of line');
      return { kind: 'need-more' };
    }
    this.#buffer = reply.rest;
    if (this.#stage === 'greeting') {
      if (reply.code !== 220) return this.#fail(`greeting ${describe(reply)} (expected 220)`);
      this.#stage = 'helo';
      return { kind: 'send', data: `HELO ${this.heloName}\r\n` };
    }
    if (reply.code !== 250) return this.#fail(`HELO answered ${describe(reply)} (expected 250)`);
    this.#stage = 'done';
    return { kind: 'passed', send: 'QUIT\r\n' };
  }

  #fail(reason: string): SmtpStep {
    this.#stage = 'done';
    return { kind: 'failed', reason };
  }
}

interface Reply { code: number; text: string; rest: string }

/** The first complete reply in `buf` (up to the line "NNN text" that ends it), or undefined. */
export function takeReply(buf: string): Reply | undefined {
  let start = 0;
  for (;;) {
    const nl = buf.indexOf('\n', start);
    if (nl < 0) return undefined;
    const line = buf.slice(start, nl).replace(/\r$/, '');
    start = nl + 1;
    const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
    if (!m) return { code: 0, text: line, rest: buf.slice(start) };
    if (m[2] !== '-') return { code: Number(m[1]), text: m[3]!, rest: buf.slice(start) };
  }
}

function describe(r: Reply): string {
  const text = r.text.length > 60 ? `${r.text.slice(0, 60)}...` : r.text;
  return r.code ? `${r.code}${text ? ` ${text}` : ''}` : `'${text}'`;
}
