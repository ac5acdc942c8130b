// The bench's helper process inside a lab namespace (the bench itself runs in the host namespace):
//   agent.js echo [port]                      UDP echo server (on every router)
//   agent.js probe <target> [intervalMs]      prober (on the client); JSON lines on stdout:
//     {"ready":true}            after the first reply
//     {"gap":[from,to]}         every gap between replies > 1.5 ms (epoch ms)
//     {"stats":{sent,received}} every second
//   agent.js burn                             a busy loop (CPU load generator)
//   agent.js listen <port>                    TCP listener that records every connection by the
//     address it was made to (the health checkers' real servers); stdin commands:
//       reset              forget what was seen
//       report <staleMs>   one JSON line: CheckLog summary (check-log.ts)
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { CheckLog } from './check-log.js';
import { ECHO_PORT, startEchoServer, startProber } from './prober.js';

const [mode, a1, a2] = process.argv.slice(2);
const emit = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

if (mode === 'echo') {
  startEchoServer(a1 ? Number(a1) : ECHO_PORT);
  emit({ ready: true });
} else if (mode === 'probe' && a1) {
  let ready = false;
  const p = startProber(a1, { intervalMs: a2 ? Number(a2) : 1, onGap: (g) => emit({ gap: [g.from, g.to] }) });
  const timer = setInterval(() => {
    if (!ready && p.received > 0) {
      ready = true;
      emit({ ready: true });
    }
    emit({ stats: { sent: p.sent, received: p.received } });
  }, 100);
  process.on('SIGTERM', () => {
    clearInterval(timer);
    void p.stop().then((r) => {
      emit({ final: { sent: r.sent, received: r.received } });
      process.exit(0);
    });
  });
} else if (mode === 'listen' && a1) {
  const log = new CheckLog();
  // pauseOnConnect: nothing is read; the connection is counted and closed at once.
  const server = createServer({ pauseOnConnect: true }, (c) => {
    log.record(c.localAddress ?? '?', performance.now());
    c.destroy();
  });
  server.on('error', (e) => {
    process.stderr.write(`listen: ${e.message}\n`);
    process.exit(1);
  });
  server.listen({ port: Number(a1), host: '0.0.0.0', backlog: 65535 }, () => emit({ ready: true }));
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === 'reset') {
      log.reset();
      emit({ reset: true });
    } else if (cmd === 'report') emit({ report: log.report(performance.now(), Number(arg)) });
  });
} else if (mode === 'burn') {
  for (;;) { /* load generator: one core */ }
} else {
  process.stderr.write('usage: agent.js echo [port] | probe <target> [intervalMs] | burn | listen <port>\n');
  process.exit(2);
}
