// V8 settings for a small, long-running daemon, applied before anything else is loaded (main.ts
// imports this first), so they hold however vipd is started: bin/vipd.js, the single executable,
// systemd, or k0s (which execs the binary with keepalived's flags and no node options).
//
// VIPD_V8_FLAGS is applied here: flags V8 reads while it runs (e.g. '--no-opt', no TurboFan:
// -0.3 MB for one instance at 1 s, where TurboFan never runs, CPU unchanged at 10 ms adverts). Not
// the heap's layout (--max-semi-space-size, --no-memory-reducer): V8 fixed it when it started, so
// those need node's own command line; none of them paid (README "Memory and V8 settings"). The
// default is V8's own: without TurboFan a 10,000-service config took 6.3-7.8 s to check instead of
// 5.0-5.7 s, and 30,000 checkers would pay the same. `vipd bench` is not the daemon: it keeps V8's defaults.
import { setFlagsFromString } from 'node:v8';

export const DEFAULT_V8_FLAGS = '';

const flags = process.argv[2] === 'bench' ? '' : process.env.VIPD_V8_FLAGS ?? DEFAULT_V8_FLAGS;
if (flags.trim()) setFlagsFromString(flags);
