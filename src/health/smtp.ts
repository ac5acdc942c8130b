// SMTP_CHECK: connect, the server greets with 220, HELO <helo_name> is answered with 250, QUIT
// (smtp-dialog.ts). Any other reply, a close or the deadline is a failure.
import { hostname } from 'node:os';
import type { Socket as NetSocket } from 'node:net';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { checkEndpoint, type ProbeEndpoint } from './endpoint.js';
import { failed, passed, type ProbeResult } from './result.js';
import { SmtpDialog } from './smtp-dialog.js';
import { connectFailure, openStream } from './tcp.js';

export interface SmtpProbeOptions extends ProbeEndpoint {
  /** Default this host's name. */
  heloName?: string;
}

export function smtpProbe(o: SmtpProbeOptions): Probe {
  checkEndpoint('SMTP probe', o);
  const helo = o.heloName ?? hostname();
  return deadlineProbe(async (signal) => {
    let sock: NetSocket;
    try {
      sock = await openStream(o, signal);
    } catch (err) {
      return failed(connectFailure(err, signal));
    }
    return new Promise<ProbeResult>((resolve) => {
      const dialog = new SmtpDialog(helo);
      let settled = false;
      const finish = (r: ProbeResult, last?: string) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (last) sock.end(last);
        sock.destroySoon();
        setTimeout(() => sock.destroy(), 1000).unref();
        resolve(r);
      };
      const onAbort = () => finish(failed(abortReason(signal)));
      signal.addEventListener('abort', onAbort, { once: true });
      sock.on('data', (d: Buffer) => {
        const step = dialog.receive(d);
        if (step.kind === 'send') sock.write(step.data);
        else if (step.kind === 'passed') finish(passed, step.send);
        else if (step.kind === 'failed') finish(failed(step.reason));
      });
      sock.once('end', () => finish(failed('connection closed by the server')));
      sock.once('error', (e: NodeJS.ErrnoException) => finish(failed(`read ${e.code ?? e.message}`)));
    });
  });
}
