// Gives the C heap's free pages back to the kernel. Start-up and a reload parse and compile the
// configuration and the code that handles it; V8 frees those compiler and parser zones with free(),
// and glibc keeps the pages mapped: ~0.9 MB of a one-instance daemon's RSS, for as long as it runs.
// malloc_trim(3) returns them; a few hundred microseconds, once per start or reload.
import { nativeAddon } from '../netif/native.js';

/** True when memory went back; false without glibc or without the addon (never throws). */
export function returnFreedMemory(): boolean {
  try {
    return nativeAddon().mallocTrim();
  } catch {
    return false;
  }
}
