// The daemon's command line without yargs (daemon-argv.ts) reads what yargs reads, or leaves the
// line to yargs: every case runs through both parsers and must map to the same daemon options.
import t from 'tap';
import { parseDaemonArgv } from '../../src/cli/daemon-argv.js';
import { toDaemonOptions, yargsRunArgs } from '../../src/cli/cli.js';

const plain: string[][] = [
  [],
  ['--dont-fork', '--use-file', '/run/k0s/keepalived.conf', '--no-syslog', '--log-console'], // k0s
  ['--dont-fork', '--use-file', '/run/k0s/keepalived.conf', '--no-syslog', '--log-console', '--log-detail', '--dump-conf'], // k0s debug
  ['-n', '-f', '/etc/keepalived/keepalived.conf', '-l', '-D', '-d'],
  ['--use-file=/tmp/k.conf', '--status-socket=/tmp/s.sock', '--dump-file', '/tmp/d.json'],
  ['-t', '-f', 'x.conf'],
  ['-P', '--pid', '/run/k.pid', '--vrrp_pid', '/run/v.pid', '-c', '/run/c.pid'],
  ['-C', '-i', 'node1'],
  ['--metrics', ':9650', '--nice', '5', '--log-json'],
  ['--metrics', '127.0.0.1:9650', '--nice=0'],
  ['--config-test', '--k0s-config', '/etc/k0s/k0s.yaml', '--k0s-proxy-balance', 'least-connections', '--k0s-proxy-check', 'tcp'],
];
const toYargs: string[][] = [
  ['--help'], ['--version'], ['status'], ['run', '-f', 'x'], ['check-config'], ['bench', 'idle'],
  ['-nl'], ['--useFile', 'x'], ['--bogus'], ['-f', 'a', '-f', 'b'], ['--use-file'], ['--use-file', '--dont-fork'], ['--use-file='],
  ['--dont-fork', 'false'], ['--dont-fork=true'], ['--nice', '-5'], ['--nice', 'x'], ['--vrrp', '--check'], ['--metrics', 'nope'],
  ['--k0s-proxy-check', 'tcp'], ['--k0s-config', 'k.yaml', '--k0s-proxy-balance', 'random'],
  ['--k0s-config', 'k.yaml', '--k0s-controllers', '10.0.0.1,10.0.0.2'], ['stray'],
];

t.test('plain daemon lines: read without yargs, the same daemon options as yargs gives', async (t) => {
  for (const argv of plain) {
    const fast = parseDaemonArgv(argv);
    t.ok(fast, `read without yargs: ${argv.join(' ')}`);
    if (fast) t.same(toDaemonOptions(fast), toDaemonOptions(await yargsRunArgs(argv)), argv.join(' '));
  }
});

t.test('everything else is left to yargs (help, subcommands, its forms and its errors)', async (t) => {
  for (const argv of toYargs) t.equal(parseDaemonArgv(argv), undefined, argv.join(' '));
  // Lines that yargs accepts still mean what yargs says.
  t.same(toDaemonOptions(await yargsRunArgs(['--dont-fork', 'false', '-f', 'x'])).configFile, 'x');
  await t.rejects(yargsRunArgs(['--vrrp', '--check']), /--vrrp and --check exclude each other/);
});
