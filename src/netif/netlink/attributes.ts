// struct nlattr codec with a sticky error (after mdlayher/netlink): typed calls after the first
// failure do nothing, and the failure is reported once, by encode() or err(). Lengths are
// checked strictly on decode; attributes nobody asks for are simply skipped by next().
import { DecodeError, VipdError } from '../../errors.js';
import { align, NLA_HDRLEN } from './align.js';
import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants.js';

/** An attribute value that cannot be encoded (out of range, too long, NUL inside a string). */
export class EncodeError extends VipdError {
  constructor(message: string) {
    super('VIPD_ERR_ENCODE', message);
  }
}

const MAX_PAYLOAD = 0xffff - NLA_HDRLEN;

export class AttributeEncoder {
  #parts: Buffer[] = [];
  #err: Error | undefined;

  #put(type: number, payload: Buffer, typeFlags = 0): this {
    if (this.#err) return this;
    if (!Number.isInteger(type) || type < 0 || type > NLA_TYPE_MASK) {
      return this.#fail(`attribute type ${type} is not in 0..${NLA_TYPE_MASK}`);
    }
    if (payload.length > MAX_PAYLOAD) return this.#fail(`attribute ${type}: ${payload.length}-byte payload is too long`);
    const length = NLA_HDRLEN + payload.length;
    const b = Buffer.alloc(align(length));
    b.writeUInt16LE(length, 0);
    b.writeUInt16LE(type | typeFlags, 2);
    payload.copy(b, NLA_HDRLEN);
    this.#parts.push(b);
    return this;
  }

  #fail(message: string): this {
    this.#err ??= new EncodeError(message);
    return this;
  }

  #int(type: number, v: number, bytes: 1 | 2 | 4, signed: boolean, bigEndian = false): this {
    const min = signed ? -(2 ** (bytes * 8 - 1)) : 0;
    const max = signed ? 2 ** (bytes * 8 - 1) - 1 : 2 ** (bytes * 8) - 1;
    if (!Number.isInteger(v) || v < min || v > max) {
      return this.#fail(`attribute ${type}: ${v} does not fit ${signed ? 'int' : 'uint'}${bytes * 8}`);
    }
    const b = Buffer.alloc(bytes);
    if (signed) b.writeIntLE(v, 0, bytes);
    else if (bigEndian) b.writeUIntBE(v, 0, bytes);
    else b.writeUIntLE(v, 0, bytes);
    return this.#put(type, b);
  }

  uint8(type: number, v: number): this { return this.#int(type, v, 1, false); }
  uint16(type: number, v: number): this { return this.#int(type, v, 2, false); }
  uint32(type: number, v: number): this { return this.#int(type, v, 4, false); }
  int32(type: number, v: number): this { return this.#int(type, v, 4, true); }
  /** Network byte order (ports, for example). */
  be16(type: number, v: number): this { return this.#int(type, v, 2, false, true); }
  be32(type: number, v: number): this { return this.#int(type, v, 4, false, true); }

  uint64(type: number, v: bigint): this {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) return this.#fail(`attribute ${type}: ${v} does not fit uint64`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v, 0);
    return this.#put(type, b);
  }

  /** NUL-terminated, as the kernel's NLA_NUL_STRING / NLA_STRING policies expect. */
  string(type: number, s: string): this {
    if (s.includes('\0')) return this.#fail(`attribute ${type}: string contains NUL`);
    return this.#put(type, Buffer.from(`${s}\0`, 'utf8'));
  }

  bytes(type: number, b: Uint8Array): this {
    return this.#put(type, Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }

  /** NLA_FLAG: present means true, no payload. */
  flag(type: number): this {
    return this.#put(type, Buffer.alloc(0));
  }

  /** Attributes inside an attribute. NLA_F_NESTED is set only with {flag: true} (iproute2 leaves it off). */
  nested(type: number, fn: (e: AttributeEncoder) => void, opts: { flag?: boolean } = {}): this {
    if (this.#err) return this;
    const child = new AttributeEncoder();
    fn(child);
    if (child.#err) {
      this.#err = child.#err;
      return this;
    }
    return this.#put(type, Buffer.concat(child.#parts), opts.flag ? NLA_F_NESTED : 0);
  }

  /** First failure so far, if any. */
  err(): Error | undefined {
    return this.#err;
  }

  /** The attributes, each padded to 4 bytes. Throws the first failure of any earlier call. */
  encode(): Buffer {
    if (this.#err) throw this.#err;
    return Buffer.concat(this.#parts);
  }
}

export class AttributeDecoder {
  readonly #b: Buffer;
  readonly #base: number;
  #off = 0;
  #type = 0;
  #rawType = 0;
  #payload: Buffer = Buffer.alloc(0);
  #payloadAt = 0;
  #err: Error | undefined;

  /** base: where b starts in the enclosing message, so errors can say where they happened. */
  constructor(b: Buffer, base = 0) {
    this.#b = b;
    this.#base = base;
  }

  /** Moves to the next attribute. False at the end, or once an error happened. */
  next(): boolean {
    if (this.#err || this.#off >= this.#b.length) return false;
    const at = this.#off;
    if (this.#b.length - at < NLA_HDRLEN) {
      this.#setErr(`attribute header truncated: ${this.#b.length - at} of ${NLA_HDRLEN} bytes`, at);
      return false;
    }
    const length = this.#b.readUInt16LE(at);
    if (length < NLA_HDRLEN) {
      this.#setErr(`attribute length ${length} is shorter than its header`, at);
      return false;
    }
    if (at + length > this.#b.length) {
      this.#setErr(`attribute length ${length} runs past its container (${this.#b.length - at} bytes left)`, at);
      return false;
    }
    this.#rawType = this.#b.readUInt16LE(at + 2);
    this.#type = this.#rawType & NLA_TYPE_MASK;
    this.#payload = this.#b.subarray(at + NLA_HDRLEN, at + length);
    this.#payloadAt = at + NLA_HDRLEN;
    this.#off = at + align(length);
    return true;
  }

  /** Attribute type without NLA_F_NESTED / NLA_F_NET_BYTEORDER. */
  get type(): number { return this.#type; }
  /** Whether the sender marked the attribute NLA_F_NESTED. */
  get nestedFlag(): boolean { return (this.#rawType & NLA_F_NESTED) !== 0; }
  /** Payload length (without header and padding). */
  get length(): number { return this.#payload.length; }

  #setErr(message: string, at: number): void {
    this.#err ??= new DecodeError(message, this.#base + at);
  }

  #need(n: number, what: string): boolean {
    if (this.#err) return false;
    if (this.#payload.length !== n) {
      this.#setErr(`attribute ${this.#type}: ${what} needs ${n} bytes, has ${this.#payload.length}`, this.#payloadAt - NLA_HDRLEN);
      return false;
    }
    return true;
  }

  uint8(): number { return this.#need(1, 'uint8') ? this.#payload.readUInt8(0) : 0; }
  uint16(): number { return this.#need(2, 'uint16') ? this.#payload.readUInt16LE(0) : 0; }
  uint32(): number { return this.#need(4, 'uint32') ? this.#payload.readUInt32LE(0) : 0; }
  int32(): number { return this.#need(4, 'int32') ? this.#payload.readInt32LE(0) : 0; }
  uint64(): bigint { return this.#need(8, 'uint64') ? this.#payload.readBigUInt64LE(0) : 0n; }
  be16(): number { return this.#need(2, 'be16') ? this.#payload.readUInt16BE(0) : 0; }
  be32(): number { return this.#need(4, 'be32') ? this.#payload.readUInt32BE(0) : 0; }

  /** Text up to the first NUL (or the whole payload when the sender left the NUL off). */
  string(): string {
    if (this.#err) return '';
    const nul = this.#payload.indexOf(0);
    return this.#payload.toString('utf8', 0, nul < 0 ? this.#payload.length : nul);
  }

  /** A copy of the payload, so keeping it does not pin the whole datagram. */
  bytes(): Buffer {
    if (this.#err) return Buffer.alloc(0);
    return Buffer.from(this.#payload);
  }

  flag(): boolean {
    return this.#need(0, 'flag');
  }

  /** Decodes the payload as attributes; a failure inside becomes this decoder's failure. */
  nested(fn: (d: AttributeDecoder) => void): void {
    if (this.#err) return;
    const child = new AttributeDecoder(this.#payload, this.#base + this.#payloadAt);
    fn(child);
    const e = child.err();
    if (e) this.#err ??= e;
  }

  /** First failure (bad length, truncation), sticky. */
  err(): Error | undefined {
    return this.#err;
  }
}
