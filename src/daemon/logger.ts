// pino logs: JSON lines for machines, a short human line when stdout is a terminal.
// (A tiny formatter instead of pino-pretty: one dependency less, and the daemon's fields are few.)
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { time, level, msg, pid: _pid, hostname: _host, ...rest } = rec;
      const t = new Date(Number(time)).toISOString().slice(11, 23);
      const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      out.write(`${t} ${(LEVELS[Number(level)] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n`);
    },
  };
}

export interface LoggerOptions {
  level?: string;
  /** Force JSON (true) or human lines (false); default: human when stdout is a TTY. */
  json?: boolean;
  stream?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.stream ?? process.stdout;
  const json = opts.json ?? !(out as NodeJS.WriteStream).isTTY;
  const level = opts.level ?? 'info';
  return pino({ level, base: { pid: process.pid } }, json ? pino.destination({ dest: 1, sync: true }) : prettyStream(out));
}
