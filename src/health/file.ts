// FILE_CHECK: reads a track_file's file at each check (keepalived reads it when it changes; vipd
// polls it every delay_loop, 1 s by default) and judges its value (track-file-value.ts). A file
// that does not exist reads as 0, as keepalived's does.
import { fsPromises } from '../os/lazy-builtins.js';
import { deadlineProbe, type Probe } from './deadline.js';
import { failed, type ProbeResult } from './result.js';
import { fileCheckVerdict, parseTrackFileValue } from './track-file-value.js';

export interface FileProbeOptions {
  path: string;
  /** Multiplier of the value; 0 = a non-zero value is a failure. */
  weight: number;
  reverse?: boolean;
}

/** A track file is a number: the first bytes are enough. */
const READ_MAX = 256;

export function fileProbe(o: FileProbeOptions): Probe {
  return deadlineProbe(async (signal): Promise<ProbeResult> => {
    let text = '';
    try {
      text = (await fsPromises().readFile(o.path, { signal })).subarray(0, READ_MAX).toString('latin1');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return failed(`read ${o.path}: ${code ?? (e as Error).message}`);
    }
    const v = fileCheckVerdict(parseTrackFileValue(text), o.weight, o.reverse ?? false);
    if (!v.ok) return failed(v.reason ?? 'failed');
    return v.add !== undefined ? { ok: true, weight: { add: v.add } } : { ok: true };
  });
}
