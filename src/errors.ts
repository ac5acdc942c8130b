// Errors vipd throws: one class per kind of failure, each with a stable `code` (VIPD_ERR_*),
// so callers branch on codes, not messages. Kernel errnos stay visible as `errno`/`syscallCode`.

export class VipdError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A system call failed. `syscallCode` is the errno name (EPERM, ENODEV...). */
export class SystemError extends VipdError {
  readonly syscall: string;
  readonly errno: number;
  readonly syscallCode: string;
  constructor(op: string, cause: NodeJS.ErrnoException, hint?: string) {
    const errnoName = cause.code ?? 'EUNKNOWN';
    super('VIPD_ERR_SYSTEM', `${op}: ${cause.message}${hint ? ` (${hint})` : ''}`, { cause });
    this.syscall = cause.syscall ?? op;
    this.errno = cause.errno ?? 0;
    this.syscallCode = errnoName;
  }
}

/** Bytes that do not decode: a packet, a netlink reply. Carries where decoding stopped. */
export class DecodeError extends VipdError {
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super('VIPD_ERR_DECODE', message);
    this.offset = offset;
  }
}

/** Configuration that is wrong: carries file and line when known. */
export class ConfigError extends VipdError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(message: string, where?: { file?: string; line?: number }) {
    const loc = where?.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ` : '';
    super('VIPD_ERR_CONFIG', `${loc}${message}`);
    this.file = where?.file;
    this.line = where?.line;
  }
}
