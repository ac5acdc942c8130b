// vipd(8) in roff, made from the CLI's own --help (yargs), so the man page lists exactly the
// options the program takes. Usage: node packaging/man-page.mjs VIPD_COMMAND... > vipd.8
// (e.g. `node packaging/man-page.mjs dist/pkg/vipd` or `... node bin/vipd.js`).
import { execFileSync } from 'node:child_process';

const cmd = process.argv.slice(2);
if (cmd.length === 0) throw new Error('usage: node packaging/man-page.mjs VIPD_COMMAND...');
const help = (...args) => execFileSync(cmd[0], [...cmd.slice(1), ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C' } });
const version = help('--version').trim().replace(/^vipd\s+/, '');

/** roff-safe text: backslashes, hyphens as minus signs, no control character at a line start. */
const esc = (s) => s.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/, '\\&$1');

/** yargs annotations at the end of an entry: [string] [default: x] [array] ... */
const NOTE = /\s*\[(?:string|boolean|number|array|count|required|default: [^\]]*|choices: [^\]]*)\]\s*$/;

/**
 * The entries of one "Options:" or "Commands:" section: yargs prints an entry's first line at
 * two spaces, wraps its description onto deeper-indented lines and puts [type] [default] last.
 */
function entries(text, heading) {
  const lines = text.split('\n');
  const start = lines.indexOf(`${heading}:`);
  if (start < 0) return [];
  const out = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    // "  -f, --use-file  text" or "      --metrics  text" (long option without a short one).
    const first = /^(?: {2}| {6}(?=--))(\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (first) {
      out.push({ name: first[1].trim(), text: first[2] ?? '' });
    } else if (out.length > 0) {
      out.at(-1).text += ` ${line.trim()}`;
    }
  }
  return out.map((e) => {
    let text = e.text.replace(/\s+/g, ' ').trim();
    const notes = [];
    for (let m = NOTE.exec(text); m; m = NOTE.exec(text)) {
      notes.unshift(m[0].trim());
      text = text.slice(0, m.index).trim();
    }
    const type = notes.map((n) => /^\[(string|number|array)\]$/.exec(n)?.[1]).find(Boolean);
    const dflt = notes.map((n) => /^\[default: (.*)\]$/.exec(n)?.[1]).find((d) => d !== undefined && d !== 'false');
    return { name: e.name, text, type, dflt };
  });
}

const main = help('--help');
const usage = main.slice(0, main.indexOf('\n\n')).split('\n');
const options = entries(main, 'Options');
const commands = entries(main, 'Commands').filter((c) => c.name !== 'vipd');

const out = [];
const month = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? Date.now() / 1000) * 1000).toISOString().slice(0, 7);
out.push(`.TH VIPD 8 "${month}" "vipd ${esc(version)}" "System Administration"`);
out.push('.SH NAME', 'vipd \\- VRRP and IPVS daemon, a drop\\-in replacement for keepalived');
out.push('.SH SYNOPSIS');
for (const u of usage) out.push('.nf', `.B ${esc(u.trim())}`, '.fi');
out.push('.SH DESCRIPTION',
  '.B vipd',
  'elects a master per virtual router (VRRP, RFC 3768 version 2 and RFC 5798 version 3, IPv4 and',
  'IPv6, multicast and unicast), holds the virtual IP addresses on the master and announces them,',
  'and programs Linux IPVS virtual servers with keepalived\\-style health checks.',
  'It reads',
  '.BR keepalived.conf (5)',
  'and takes keepalived\'s command line and signals, so it runs where keepalived runs (k0s included).',
  'Invoked as',
  '.BR keepalived ,',
  'it behaves the same.',
  '.PP',
  'It needs root, or the capabilities CAP_NET_ADMIN and CAP_NET_RAW.');
out.push('.SH COMMANDS');
for (const c of commands) out.push('.TP', `.B ${esc(c.name)}`, esc(c.text));
out.push('.SH OPTIONS');
for (const o of options) {
  const arg = o.type ? ` \\fI${o.type === 'array' ? 'value...' : o.type === 'number' ? 'number' : 'value'}\\fR` : '';
  out.push('.TP', `.B ${esc(o.name)}${arg}`, esc(o.text + (o.dflt ? ` (default: ${o.dflt.replace(/^"(.*)"$/, '$1')})` : '')));
}
out.push('.SH SIGNALS',
  '.TP', '.B SIGHUP', 'Reload: the new configuration is validated first; a bad one is logged with file:line and the old one keeps running.',
  '.TP', '.BR SIGTERM ", " SIGINT', 'Graceful stop: priority\\-0 adverts, virtual IPs removed, owned IPVS services removed, exit 0.',
  '.TP', '.B SIGUSR1', 'State dump as JSON to the \\fB\\-\\-dump\\-file\\fR and the log.');
out.push('.SH EXIT STATUS', '0 on success (and for a valid configuration with \\fB\\-t\\fR), 1 on errors, 2 on bad arguments.');
out.push('.SH FILES',
  '.TP', '.I /etc/vipd/keepalived.conf', 'the configuration of the packaged service (vipd.service)',
  '.TP', '.I /run/vipd/vipd.sock', 'the status socket read by \\fBvipd status\\fR');
out.push('.SH SEE ALSO', '.BR keepalived.conf (5),', '.BR systemd.service (5)');
process.stdout.write(`${out.join('\n')}\n`);
