// DNS_CHECK's wire format (RFC 1035 section 4), pure: one query with recursion desired and no
// EDNS (what keepalived 2.2.7 sends), and the checks on the reply. A reply with another id is
// not ours (ignored, the probe keeps waiting, as keepalived does); ours must be a response to the
// same question with RCODE 0 (NOERROR). Answers are not required: SOA of "." is the default.

/** keepalived.conf's DNS_CHECK `type` values. */
export const DNS_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 } as const;
export type DnsType = keyof typeof DNS_TYPES;

const CLASS_IN = 1;
const HEADER = 12;

export class DnsNameError extends Error {}

/** "example.com", "example.com." or "." as wire labels; throws DnsNameError for names DNS cannot carry. */
export function encodeDnsName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return Buffer.from([0]);
  const parts: Buffer[] = [];
  for (const label of trimmed.split('.')) {
    const b = Buffer.from(label, 'latin1');
    if (b.length === 0) throw new DnsNameError(`'${name}' has an empty label`);
    if (b.length > 63) throw new DnsNameError(`'${name}': label '${label}' is longer than 63 bytes`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new DnsNameError(`'${name}' is longer than 255 bytes`);
  return out;
}

/** The question section: name, type, class IN. */
export function dnsQuestion(name: string, type: DnsType): Buffer {
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(DNS_TYPES[type], 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([encodeDnsName(name), tail]);
}

/** A standard query, RD set, one question. */
export function buildDnsQuery(id: number, name: string, type: DnsType): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt16BE(id & 0xffff, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4); // QDCOUNT
  return Buffer.concat([h, dnsQuestion(name, type)]);
}

export const RCODE_NAMES: Record<number, string> = {
  1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
};

/** 'other' = not a reply to this query (wrong id, too short): keep waiting. */
export type DnsReplyVerdict = { kind: 'ok' } | { kind: 'failed'; reason: string } | { kind: 'other' };

export function checkDnsReply(query: Buffer, reply: Buffer): DnsReplyVerdict {
  if (reply.length < HEADER || reply.readUInt16BE(0) !== query.readUInt16BE(0)) return { kind: 'other' };
  const flags = reply.readUInt16BE(2);
  if (!(flags & 0x8000)) return { kind: 'failed', reason: 'the reply is a query (QR not set)' };
  const rcode = flags & 0x000f;
  if (rcode !== 0) return { kind: 'failed', reason: `rcode ${rcode}${RCODE_NAMES[rcode] ? ` (${RCODE_NAMES[rcode]})` : ''}` };
  if (flags & 0x0200) return { kind: 'failed', reason: 'the reply is truncated (TC)' };
  const question = query.subarray(HEADER);
  if (reply.readUInt16BE(4) !== 1 || !sameQuestion(question, reply.subarray(HEADER, HEADER + question.length))) {
    return { kind: 'failed', reason: 'the reply is for another question' };
  }
  return { kind: 'ok' };
}

/** Names compare case-insensitively (a server may answer in another case, RFC 4343). */
function sameQuestion(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  const nameEnd = a.length - 4;
  const lower = (x: number) => (x >= 0x41 && x <= 0x5a ? x + 0x20 : x);
  for (let i = 0; i < a.length; i++) {
    if (i < nameEnd ? lower(a[i]!) !== lower(b[i]!) : a[i] !== b[i]) return false;
  }
  return true;
}
