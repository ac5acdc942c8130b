// The only module that loads the addon. Everything else uses src/netif/socket.ts.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A raw received datagram as the kernel handed it over: [data, struct sockaddr of the sender,
 * control messages (struct cmsghdr...), recvmsg flags (MSG_TRUNC...), length before truncation].
 * Parse with socket.ts / cmsg.ts.
 */
export type NativeMessage = [data: Buffer, addr: Buffer, control: Buffer, flags: number, length: number];

export interface NativeAddon {
  socket(family: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  getsockopt(fd: number, level: number, name: number, maxLen: number): Buffer;
  bind(fd: number, sockaddr: Buffer): void;
  getsockname(fd: number): Buffer;
  /** Returns bytes sent, or -1 when the socket buffer is full (EAGAIN). */
  sendmsg(fd: number, data: Buffer, sockaddr?: Buffer | null, control?: Buffer | null): number;
  /** Returns null when nothing is queued. */
  recvmsg(fd: number, maxLen: number, controlLen: number): NativeMessage | null;
  close(fd: number): void;
  ifNameToIndex(name: string): number;
  watch(fd: number, onReadable: (events: number) => void): unknown;
  unwatch(handle: unknown): void;
  ref(handle: unknown, on: boolean): void;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('vipd: cannot find the package root (binding.gyp)');
    dir = up;
  }
}

let addon: NativeAddon | undefined;

/** Loads the addon on first use, so pure modules never need it. */
export function nativeAddon(): NativeAddon {
  if (!addon) {
    const require = createRequire(import.meta.url);
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    try {
      addon = load(packageRoot());
    } catch (err) {
      throw new Error(`vipd: the native addon is not built (run "npm run build"): ${(err as Error).message}`, { cause: err });
    }
  }
  return addon;
}
