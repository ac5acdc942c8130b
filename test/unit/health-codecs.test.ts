// The pure parts of the LVS checkers, on golden bytes: keepalived 2.2.7's UDP_CHECK payload and
// DNS_CHECK queries as captured by its test servers (test/fixtures/checker-servers.ts), ICMP echo
// as iputils ping sends and the kernel answers (tcpdump -xx), keepalived's HTTP request; the SMTP
// conversation, MISC_CHECK exits, track file values.
import { createHash } from 'node:crypto';
import t from 'tap';
import {
  buildDnsQuery, buildEchoRequest, checkDnsReply, checkResponse, classifyEchoReply, encodeDnsName, fileCheckVerdict,
  formatHexPattern, httpRequest, icmpFilter, miscVerdict, parseHexPattern, parseHexString, parseResponse, parseTrackFileValue,
  replyMatchesPattern, SmtpDialog, takeReply, translatePcre,
} from '../../src/health/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('HEX_STR: payload and reply patterns as keepalived reads them', async (t) => {
  // keepalived.conf(5)'s own example, and what keepalived 2.2.7 sent for it (captured).
  t.equal(parseHexString('Ab12f 3 456 546443123').toString('hex'), 'ab120f0345065464431203');
  t.equal(parseHexString('0102 0a').toString('hex'), '01020a');
  t.throws(() => parseHexString('zz'), /'z' is not a hex digit/);
  t.throws(() => parseHexString('  '), /no hex digits/);
  t.throws(() => parseHexString('1x'), /'x' is not a hex digit/, 'x is a wildcard only in reply patterns');
  const p = parseHexPattern('AB 12 0F 03 4x 0x');
  t.equal(formatHexPattern(p), 'ab 12 0f 03 4x 0x');
  t.ok(replyMatchesPattern(parseHexString('ab120f0345065464431203'), p), 'the echoed payload matches (keepalived: up)');
  t.notOk(replyMatchesPattern(hex('ab120f0335'), p), 'a differing nibble');
  t.ok(replyMatchesPattern(hex('ab12'), p), 'compared over the shorter of the two');
  t.ok(replyMatchesPattern(hex('ab120f034f0f99'), p), 'x matches any nibble; bytes past the pattern are not compared');
  t.equal(formatHexPattern(parseHexPattern('01 0x')), '01 0x');
});

t.test('DNS_CHECK queries: keepalived 2.2.7 bytes (id aside)', async (t) => {
  t.equal(buildDnsQuery(0x706a, '.', 'SOA').toString('hex'), '706a010000010000000000000000060001', 'default: SOA of "."');
  t.equal(buildDnsQuery(0x5c36, 'example.com', 'A').toString('hex'), '5c3601000001000000000000076578616d706c6503636f6d0000010001');
  t.equal(buildDnsQuery(0xee08, '.', 'MX').toString('hex'), 'ee080100000100000000000000000f0001');
  t.same(encodeDnsName('example.com.'), encodeDnsName('example.com'), 'a trailing dot is the root');
  t.throws(() => encodeDnsName('a..b'), /empty label/);
  t.throws(() => encodeDnsName(`${'x'.repeat(64)}.com`), /longer than 63/);
  t.throws(() => encodeDnsName(Array(130).fill('ab').join('.')), /longer than 255/);
});

t.test('DNS_CHECK replies', async (t) => {
  const q = buildDnsQuery(0x1234, 'example.com', 'A');
  const reply = (flags: number, id = 0x1234, question = q.subarray(12), qd = 1) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(id, 0);
    h.writeUInt16BE(flags, 2);
    h.writeUInt16BE(qd, 4);
    return Buffer.concat([h, question]);
  };
  t.same(checkDnsReply(q, reply(0x8180)), { kind: 'ok' }, 'NOERROR, no answer needed');
  t.same(checkDnsReply(q, reply(0x8180, 0x1234, Buffer.from(q.subarray(12).toString('latin1').toUpperCase(), 'latin1'))), { kind: 'ok' }, 'names compare case-insensitively');
  t.same(checkDnsReply(q, reply(0x8183)), { kind: 'failed', reason: 'rcode 3 (NXDOMAIN)' }, 'keepalived: "rcode = 3", down');
  t.same(checkDnsReply(q, reply(0x8185)), { kind: 'failed', reason: 'rcode 5 (REFUSED)' });
  t.same(checkDnsReply(q, reply(0x8180, 0x1235)), { kind: 'other' }, 'another id: not ours, keep waiting (keepalived: read timeout)');
  t.same(checkDnsReply(q, Buffer.alloc(5)), { kind: 'other' }, 'too short');
  t.match(checkDnsReply(q, reply(0x0100)), { kind: 'failed', reason: /QR not set/ });
  t.match(checkDnsReply(q, reply(0x8380)), { kind: 'failed', reason: /truncated/ });
  t.match(checkDnsReply(q, reply(0x8180, 0x1234, buildDnsQuery(1, 'example.org', 'A').subarray(12))), { kind: 'failed', reason: /another question/ });
  t.match(checkDnsReply(q, reply(0x8180, 0x1234, q.subarray(12), 0)), { kind: 'failed', reason: /another question/ });
});

t.test('ICMP echo: what ping sends, what the kernel answers (tcpdump -xx)', async (t) => {
  // ping -c1 -p 61 -s 4 127.0.0.1: id 21954, seq 1.
  const request = hex('0800 413c 55c2 0001 6100 0000');
  t.same(buildEchoRequest(4, { id: 21954, seq: 1 }, hex('61000000')), request, 'same bytes, checksum included');
  const reply4 = hex('4500 0020 b44b 0000 4001 c88f 7f00 0001 7f00 0001 0000 493c 55c2 0001 6100 0000');
  t.same(classifyEchoReply(4, reply4, { id: 21954, seq: 1 }, hex('61000000')), { kind: 'reply' }, 'a raw IPv4 socket delivers the IP header too');
  t.same(classifyEchoReply(4, reply4, { id: 21954, seq: 2 }, hex('61000000')), { kind: 'other' }, 'another sequence');
  t.same(classifyEchoReply(4, reply4, { id: 21954, seq: 1 }, hex('62000000')), { kind: 'other' }, 'another payload: a stale reply');
  const corrupt = Buffer.from(reply4);
  corrupt[27] = 0;
  t.same(classifyEchoReply(4, corrupt, { id: 21954, seq: 1 }, hex('61000000')), { kind: 'other' }, 'a bad checksum');
  t.same(classifyEchoReply(4, request, { id: 21954, seq: 1 }, hex('61000000')), { kind: 'other' }, 'not an IPv4 packet');
  // ping -6 -c1 -p 62 -s 6 ::1: the kernel computes ICMPv6 checksums (pseudo-header), we send 0.
  const request6 = hex('8000 c7f0 55c3 0001 6200 0000 0000');
  const built6 = buildEchoRequest(6, { id: 21955, seq: 1 }, hex('620000000000'));
  t.same(built6.subarray(4), request6.subarray(4));
  t.same([built6[0], built6[1], built6.readUInt16BE(2)], [128, 0, 0]);
  t.same(classifyEchoReply(6, hex('8100 c6f0 55c3 0001 6200 0000 0000'), { id: 21955, seq: 1 }, hex('620000000000')), { kind: 'reply' });
  // Destination unreachable quoting our request (IPv4 header + the first 8 bytes of ICMP).
  const quoted = Buffer.concat([hex('4500 0020 b44a 4000 4001 8890 0a00 0001 0a00 0063'), request.subarray(0, 8)]);
  const unreach = Buffer.concat([hex('4500 0038 0000 0000 4001 0000 0a00 0001 0a00 0001'), hex('0301 0000 0000 0000'), quoted]);
  t.same(classifyEchoReply(4, unreach, { id: 21954, seq: 1 }, hex('61000000')), { kind: 'unreachable', code: 1 });
  t.same(icmpFilter(4).readUInt32LE(0), (~((1 << 0) | (1 << 3))) >>> 0, 'IPv4: only echo reply and unreachable pass');
  const f6 = icmpFilter(6);
  t.equal(f6.length, 32);
  t.equal((f6.readUInt32LE(16) >>> 1) & 1, 0, 'ICMPv6 129 passes');
  t.equal(f6.readUInt32LE(0) & 0b10, 0, 'ICMPv6 1 passes');
  t.equal((f6.readUInt32LE(16) >>> 0) & 1, 1, 'ICMPv6 128 blocked');
});

t.test('SMTP_CHECK conversation', async (t) => {
  const d = new SmtpDialog('checker.example');
  t.same(d.receive(Buffer.from('220 mx ESMTP')), { kind: 'need-more' });
  t.same(d.receive(Buffer.from('\r\n')), { kind: 'send', data: 'HELO checker.example\r\n' });
  t.same(d.receive(Buffer.from('250-mx\r\n250-PIPELINING\r\n')), { kind: 'need-more' }, 'a multi-line reply is read to its last line');
  t.same(d.receive(Buffer.from('250 SIZE\r\n')), { kind: 'passed', send: 'QUIT\r\n' });
  t.same(new SmtpDialog('x').receive(Buffer.from('554 no service here\r\n')), { kind: 'failed', reason: 'greeting 554 no service here (expected 220)' });
  const e = new SmtpDialog('x');
  e.receive(Buffer.from('220 ok\r\n'));
  t.same(e.receive(Buffer.from('501 bad HELO\r\n')), { kind: 'failed', reason: 'HELO answered 501 bad HELO (expected 250)' });
  t.match(new SmtpDialog('x').receive(Buffer.from('HTTP/1.1 400 Bad Request\r\n')), { kind: 'failed', reason: /'HTTP\/1.1 400 Bad Request'/ });
  t.match(new SmtpDialog('x').receive(Buffer.alloc(9000, 0x41)), { kind: 'failed', reason: /without an end of line/ });
  t.same(takeReply('220 a\n250 b\r\n'), { code: 220, text: 'a', rest: '250 b\r\n' }, 'a bare LF ends a line too');
});

t.test('MISC_CHECK exit statuses (misc_dynamic: weight = status - 2)', async (t) => {
  const rows: Array<[number | null, boolean, ReturnType<typeof miscVerdict>]> = [
    [0, false, { ok: true }],
    [1, false, { ok: false, reason: 'exit 1' }],
    [9, false, { ok: false, reason: 'exit 9' }],
    [0, true, { ok: true }],
    [1, true, { ok: false, reason: 'exit 1' }],
    [2, true, { ok: true, weight: 0 }],
    [9, true, { ok: true, weight: 7 }],
    [255, true, { ok: true, weight: 253 }],
  ];
  for (const [code, dynamic, want] of rows) t.same(miscVerdict({ code, signal: null }, dynamic), want, `exit ${code}${dynamic ? ' misc_dynamic' : ''}`);
  t.same(miscVerdict({ code: null, signal: 'SIGKILL' }, true), { ok: false, reason: 'killed by SIGKILL' });
});

t.test('track file values and FILE_CHECK verdicts (keepalived 2.2.7, weight 10 real servers)', async (t) => {
  const values: Array<[string, number]> = [
    ['4\n', 4], [' 7 ', 7], ['12abc', 12], ['abc', 0], ['', 0], ['0x10', 16], ['010', 8], ['08', 0], ['-9', -9],
    ['-2147483648', -2147483648], ['3000000000', 0], ['+5', 5],
  ];
  for (const [text, want] of values) t.equal(parseTrackFileValue(text), want, JSON.stringify(text));
  t.same(fileCheckVerdict(1, 0, false), { ok: false, reason: 'value 1 (weight 0: non-zero is a failure)' });
  t.same(fileCheckVerdict(0, 0, false), { ok: true });
  t.same(fileCheckVerdict(4, 2, false), { ok: true, add: 8 });
  t.same(fileCheckVerdict(5, -1, false), { ok: true, add: -5 });
  t.same(fileCheckVerdict(5, 1, true), { ok: true, add: -5 }, 'reverse');
  t.same(fileCheckVerdict(-2147483647, 1, false), { ok: true, add: -2147483647 }, 'keepalived: weight 0, still in');
  t.match(fileCheckVerdict(-2147483648, 1, false), { ok: false }, 'keepalived: removed');
  t.match(fileCheckVerdict(2, -(2 ** 30), false), { ok: false });
});

t.test('HTTP: keepalived\'s request, responses read as bytes', async (t) => {
  t.equal(httpRequest('/a?b=c', '10.7.0.11:80', '1.0', 'KeepAliveClient'), 'GET /a?b=c HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.7.0.11:80\r\n\r\n', 'what keepalived 2.2.7 sent');
  t.equal(httpRequest('/', 'www.example', '1.1', 'KeepAliveClient'), 'GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example\r\n\r\n');
  t.equal(httpRequest('/', 'h', '1.0C'), 'GET / HTTP/1.0\r\nUser-Agent: vipd-health\r\nConnection: close\r\nHost: h\r\n\r\n');
  const body = 'hello vipd checker';
  const raw = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  t.match(parseResponse(raw), { status: 200, complete: true });
  t.equal(parseResponse(raw).body?.toString(), body);
  t.match(parseResponse(raw.subarray(0, raw.length - 3)), { status: 200, complete: false });
  t.match(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Len')), { status: 200, complete: false });
  const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nd;x=1\r\n vipd checker\r\n0\r\n\r\n');
  t.same([parseResponse(chunked).complete, parseResponse(chunked).body?.toString()], [true, body], 'chunked: the body without its framing');
  t.same(parseResponse(chunked.subarray(0, chunked.length - 5)).complete, false, 'until the last chunk');
  t.match(parseResponse(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')), { status: 204, complete: true });
  const md5 = createHash('md5').update(body).digest('hex');
  const rx = (pattern: string, more: Record<string, unknown> = {}) => ({ regex: { regex: translatePcre(pattern), noMatch: false, ...more } });
  const rows: Array<[string, Parameters<typeof checkResponse>[1], string | undefined]> = [
    ['default 2xx', {}, undefined],
    ['a list', { statuses: [204, 404] }, 'status 200 (expected 204, 404)'],
    ['a range', { statuses: [{ from: 200, to: 299 }] }, undefined],
    ['digest', { digest: md5.toUpperCase() }, undefined],
    ['wrong digest', { digest: '0'.repeat(32) }, `digest ${md5} != ${'0'.repeat(32)}`],
    ['regex on a header', rx('text/plain'), undefined],
    ['regex anchored at the status line', rx('^HTTP/1'), undefined],
    ['^ is the response, not the body', rx('^hello'), 'the response does not match regex'],
    ['regex_no_match', { regex: { regex: translatePcre('vipd'), noMatch: true } }, 'the response matches regex (regex_no_match)'],
    ['regex_no_match, no match', { regex: { regex: translatePcre('nomatch'), noMatch: true } }, undefined],
    ['regex_max_offset 0: HTTP at 0', rx('HTTP', { maxOffset: 0 }), undefined],
    ['regex_max_offset 0: TTP/ at 1', rx('TTP/', { maxOffset: 0 }), 'the response does not match regex'],
    ['regex_max_offset 1', rx('TTP/', { maxOffset: 1 }), undefined],
    ['regex_min_offset 1: HTTP', rx('HTTP', { minOffset: 1 }), 'the response does not match regex'],
    ['regex_min_offset 1: TTP/', rx('TTP/', { minOffset: 1 }), undefined],
    ['a window in the body', rx('vipd', { minOffset: raw.indexOf('vipd'), maxOffset: raw.indexOf('vipd') }), undefined],
    ['just past the window', rx('vipd', { minOffset: raw.indexOf('vipd') + 1 }), 'the response does not match regex'],
  ];
  for (const [name, expect, reason] of rows) {
    const r = checkResponse(raw, expect);
    if (reason === undefined) t.same(r, { ok: true }, name);
    else t.same(r, { ok: false, reason }, name);
  }
  t.same(checkResponse(Buffer.from('HTTP/1.0 503 Service Unavailable\r\n\r\nx'), { statuses: [{ from: 200, to: 299 }, { from: 400, to: 499 }, 503] }), { ok: true }, 'status_code 200-299 400-499 503 against 503');
  t.same(checkResponse(Buffer.from('HTTP/1.0 404 Not Found\r\n\r\nx'), { statuses: [200, 404] }), { ok: true }, 'status_code 200 404 against 404');
  t.same(checkResponse(Buffer.alloc(0), {}), { ok: false, reason: 'empty response' });
  t.same(checkResponse(Buffer.from('SSH-2.0-OpenSSH\r\n'), {}), { ok: false, reason: 'not an HTTP response' });
});
