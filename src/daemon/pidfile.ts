// keepalived-style pid files (-p/-r/-c): written at start, removed at exit, through state-files
// (created fresh and renamed into place, never through a planted symlink or file).
import { removeStateFileIf, writeStateFile } from './state-files.js';

const content = () => `${process.pid}\n`;

/** Mode 0644 like keepalived's: a pid is no secret, and monitoring that is not root reads it. */
export function writePidFile(path: string): void {
  writeStateFile(path, content(), { mode: 0o644 });
}

/** Removes the pid file only while it still names this process. */
export function removePidFile(path: string): void {
  removeStateFileIf(path, content());
}
