// What a vrrp_script `script` runs: vipd accepts a built-in probe in place of a program, so a
// k0s controller can track its API server without a shell script. http(s)://... is an HTTP(S)
// GET (any 2xx, certificate not verified), tcp://host:port a connect; anything else a program.
import { httpOptionsFromUrl, type ProbeSpec, type RunAs } from '../../health/index.js';

export function trackScriptSpec(argv: string[], runAs?: RunAs): ProbeSpec {
  const first = argv[0] ?? '';
  if (/^https?:\/\//.test(first)) return { kind: 'http', options: httpOptionsFromUrl(first) };
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(first);
  if (tcp) return { kind: 'tcp', options: { address: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) } };
  return { kind: 'script', options: { argv, ...(runAs ?? {}) } };
}
