// The only module that loads the addon. Everything else uses src/netif/socket.ts.
import { createRequire } from 'node:module';
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** The SEA asset that holds the addon in the single executable (scripts/package.sh). */
const SEA_ADDON_ASSET = 'vipd_native.node';

type SeaModule = { isSea(): boolean; getRawAsset(key: string): ArrayBuffer };

/** node:sea when this process is a single executable (Node >= 20.12 has the module). */
function seaModule(require: NodeJS.Require): SeaModule | undefined {
  try {
    const sea = require('node:sea') as SeaModule;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined;
  }
}

/**
 * dlopen() needs a file: the addon goes to a fresh private directory (mkdtemp: 0700, a random
 * name), is written with O_EXCL|O_NOFOLLOW (nothing planted there can be opened instead), loaded,
 * and removed at once: the mapping outlives the file, so nothing is left even after SIGKILL.
 */
function loadSeaAddon(sea: SeaModule): NativeAddon {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-'));
  try {
    const file = join(dir, SEA_ADDON_ASSET);
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o500);
    try {
      writeFileSync(fd, new Uint8Array(sea.getRawAsset(SEA_ADDON_ASSET)));
    } finally {
      closeSync(fd);
    }
    const mod = { exports: {} as NativeAddon };
    try {
      process.dlopen(mod, file);
    } catch (err) {
      throw new Error(`vipd: cannot load the addon from ${dir} (a noexec mount? set TMPDIR to another directory): ${(err as Error).message}`, { cause: err });
    }
    return mod.exports;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let addon: NativeAddon | undefined;

/**
 * Loads the addon on first use, so pure modules never need it: from the single executable's
 * asset, else with node-gyp-build (build/Release, then prebuilds/<platform>-<arch>/).
 */
export function nativeAddon(): NativeAddon {
  if (!addon) {
    const require = createRequire(import.meta.url);
    const sea = seaModule(require);
    if (sea) return (addon = loadSeaAddon(sea));
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    try {
      addon = load(packageRoot());
    } catch (err) {
      throw new Error(`vipd: the native addon is not built (run "npm run build"): ${(err as Error).message}`, { cause: err });
    }
  }
  return addon;
}
