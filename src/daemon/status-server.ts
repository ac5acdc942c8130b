// `vipd status`: the daemon answers every connection on a Unix socket with its state as JSON.
import { createServer, connect, type Server } from 'node:net';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { prepareStateDir, StateFileError } from './state-files.js';

/**
 * Listens on `path` (mode 0600) in a directory only root or we can change. A stale socket of an
 * earlier run is replaced; anything else at the path (a planted file or symlink) is refused.
 */
export function serveStatus(path: string, getStatus: () => unknown): Server {
  prepareStateDir(path);
  let st;
  try {
    st = lstatSync(path);
  } catch {
    st = undefined;
  }
  if (st && !st.isSocket()) throw new StateFileError(path, `${path} exists and is not a socket; refusing to replace it (remove it)`);
  if (st) unlinkSync(path);
  const server = createServer((conn) => {
    let body: string;
    try {
      body = JSON.stringify(getStatus());
    } catch (err) {
      body = JSON.stringify({ error: (err as Error).message });
    }
    conn.end(`${body}\n`);
    conn.on('error', () => { /* the client went away */ });
  });
  server.listen(path, () => { try { chmodSync(path, 0o600); } catch { /* best effort */ } });
  server.unref();
  return server;
}

export function queryStatus(path: string, timeoutMs = 3000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const c = connect(path);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { c.destroy(); reject(new Error(`no answer on ${path} within ${timeoutMs} ms`)); }, timeoutMs);
    c.on('data', (d) => chunks.push(d));
    c.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
        ? `vipd is not running (no status socket at ${path})` : err.message));
    });
    c.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(new Error(`bad status reply: ${(err as Error).message}`));
      }
    });
  });
}
