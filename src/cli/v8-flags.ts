// V8 settings for a small, long-running daemon, applied before anything else is loaded (main.ts
// imports this first), so they hold however vipd is started: bin/vipd.js, the single executable,
// systemd, or k0s (which execs the binary with keepalived's flags and no node options).
//
// --no-opt: no TurboFan. vipd's hot paths are a few small functions per advert that run as fast in
// baseline code; the optimizing compiler's zones, code and threads cost ~10 MB of RSS (measured:
// one instance at advert_int 0.01, 68 -> 57 MB, CPU unchanged; `-t` of 2,000 virtual servers was
// faster without it on a busy 2-core host). VIPD_V8_FLAGS replaces the default ('' = none).
// `vipd bench` is not the daemon: it keeps V8's defaults.
import { setFlagsFromString } from 'node:v8';

export const DEFAULT_V8_FLAGS = '--no-opt';

const flags = process.argv[2] === 'bench' ? '' : process.env.VIPD_V8_FLAGS ?? DEFAULT_V8_FLAGS;
if (flags.trim()) setFlagsFromString(flags);
