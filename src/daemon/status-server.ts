// `vipd status`: the daemon answers every connection on a Unix socket with its state as JSON.
import { createServer, connect, type Server } from 'node:net';
import { mkdirSync, unlinkSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';

export function serveStatus(path: string, getStatus: () => unknown): Server {
  mkdirSync(dirname(path), { recursive: true });
  try { unlinkSync(path); } catch { /* no stale socket */ }
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
