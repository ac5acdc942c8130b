// vipd command line: keepalived's flags (as k0s passes them) plus vipd's own subcommands.
import './v8-flags.js'; // first: V8 settings before any other module loads
import { runCli } from './cli.js';

runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`vipd: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
