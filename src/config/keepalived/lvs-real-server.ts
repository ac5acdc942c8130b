// real_server IP [PORT] { ... }: one IPVS destination of a virtual_server and its checkers.
import type { Statement } from '../block-parser.js';
import { REAL_SERVER_WEIGHT_DEFAULT } from '../defaults.js';
import { argText, boolArg, intArg, ipArg, optArg, portText, whereOf } from '../values.js';
import type { RealServerDraft, VsDraft } from './draft.js';
import { implemented, warned, type Handler, type Kit, type KeywordTable } from './kit.js';
import { BFD_NOTE, bfdChecker, fileChecker, miscChecker, netChecker, timingKeywords } from './lvs-checkers.js';
import type { NetCheckerType } from './draft.js';
import { forwarding } from './lvs-values.js';

const net = (type: NetCheckerType) => implemented<RealServerDraft>((s, d, kit) => d.checkers.push(netChecker(s, type, kit)), { block: type });

const method: Handler<RealServerDraft> = (s, d) => {
  const f = forwarding(s);
  d.rs.method = f.method;
  if (f.tunnel) d.rs.tunnel = f.tunnel;
  else delete d.rs.tunnel;
  d.methodSet = true;
};

export const REAL_SERVER: KeywordTable<RealServerDraft> = {
  weight: implemented((s, d) => (d.rs.weight = intArg(s, 0, 0, 65535))),
  lvs_method: implemented(method),
  lb_kind: implemented(method),
  inhibit_on_failure: implemented((s, d) => (d.rs.inhibitOnFailure = boolArg(s, 0))),
  uthreshold: implemented((s, d) => (d.rs.upperThreshold = intArg(s, 0, 0, 2 ** 31 - 1))),
  lthreshold: implemented((s, d) => (d.rs.lowerThreshold = intArg(s, 0, 0, 2 ** 31 - 1))),
  notify_up: implemented((s, d, kit) => (d.rs.notifyUp = kit.command(s))),
  notify_down: implemented((s, d, kit) => (d.rs.notifyDown = kit.command(s))),
  ...timingKeywords<RealServerDraft>((d) => d.timing),
  TCP_CHECK: net('TCP_CHECK'),
  HTTP_GET: net('HTTP_GET'),
  SSL_GET: net('SSL_GET'),
  SMTP_CHECK: net('SMTP_CHECK'),
  DNS_CHECK: net('DNS_CHECK'),
  UDP_CHECK: net('UDP_CHECK'),
  PING_CHECK: net('PING_CHECK'),
  MISC_CHECK: implemented((s, d, kit) => d.checkers.push(miscChecker(s, kit)), { block: 'MISC_CHECK' }),
  FILE_CHECK: implemented((s, d, kit) => d.checkers.push(fileChecker(s, kit)), { block: 'FILE_CHECK' }),
  BFD_CHECK: warned(BFD_NOTE, (s, d) => d.checkers.push(bfdChecker(s)), { block: 'BFD_CHECK' }),
  smtp_alert: warned('no e-mail is sent'),
  virtualhost: implemented((s, d) => (d.virtualhost = argText(s, 0, 'host name'))),
  snmp_name: warned('there is no SNMP agent'),
  alpha: implemented((s, d) => (d.alpha = boolArg(s, 0))),
  delay: warned("the checkers' own delay_loop applies"),
};

export function realServer(st: Statement, parent: VsDraft, kit: Kit): RealServerDraft {
  const address = ipArg(st, 0, 'real_server');
  const p = optArg(st, 1);
  const vsPort = parent.vs.target.kind === 'address' ? parent.vs.target.port : 0;
  const d: RealServerDraft = {
    rs: {
      address,
      // Port 0 (or none) takes the virtual server's port; fwmark services have none.
      port: p === undefined ? vsPort : portText(st, p, 'real_server', 0),
      weight: REAL_SERVER_WEIGHT_DEFAULT,
      method: parent.vs.method,
      inhibitOnFailure: parent.vs.inhibitOnFailure,
      where: whereOf(st),
    },
    methodSet: false,
    timing: {},
    checkers: [],
  };
  kit.apply(kit.needBlock(st), REAL_SERVER, d, `real_server ${address}`);
  // The real server inherits the virtual server's method (and tunnel) unless it sets its own.
  if (!d.methodSet) {
    d.rs.method = parent.vs.method;
    if (parent.vs.tunnel) d.rs.tunnel = parent.vs.tunnel;
  }
  return d;
}
