// IpvsError: a kernel refusal of an IPVS command, with the op, the errno name and a message that
// says what went wrong in IPVS terms (ipvsadm's own explanations, plus hints for the usual causes).
import { VipdError } from '../errors.js';

export class IpvsError extends VipdError {
  /** What was asked: 'createService', 'removeDestination'... */
  readonly op: string;
  /** The object: 'tcp:10.0.0.100:6443', 'tcp:10.0.0.100:6443 -> 10.0.0.11:6443'. */
  readonly target: string;
  /** Positive errno, 0 when the failure was not a kernel errno. */
  readonly errno: number;
  /** Errno name: 'EEXIST', 'ENOENT', 'ESRCH'... */
  readonly syscallCode: string;

  constructor(op: string, target: string, syscallCode: string, errno: number, explanation: string, options?: { cause?: unknown }) {
    super('VIPD_ERR_IPVS', `IPVS ${op}${target ? ` ${target}` : ''}: ${explanation} (${syscallCode})`, options);
    this.op = op;
    this.target = target;
    this.errno = errno;
    this.syscallCode = syscallCode;
  }
}

/** What an errno means for a given IPVS op, like ipvsadm's ipvs_strerror table. */
export function explainErrno(op: string, code: string, ctx: { scheduler?: string; pe?: string; address?: string } = {}): string {
  const service = /Service$/.test(op) || op === 'service';
  if (op === 'startDaemon' || op === 'stopDaemon') {
    switch (code) {
      case 'EEXIST': return 'a sync daemon of that state runs already';
      case 'ESRCH': return 'no sync daemon of that state runs';
      case 'ENODEV': return 'no such interface';
      case 'EINVAL': return 'invalid sync daemon settings (interface name, maxlen above the MTU, or a group of another family than the interface can use)';
      default: break;
    }
  }
  switch (code) {
    case 'EPERM': return 'permission denied (needs CAP_NET_ADMIN)';
    case 'EEXIST': return service ? 'service already exists' : 'destination already exists';
    case 'ESRCH': return 'no such service';
    case 'ENOENT':
      if (op === 'createService' || op === 'updateService') {
        const pe = ctx.pe ? ` or persistence engine "${ctx.pe}"` : '';
        return `unknown scheduler "${ctx.scheduler ?? ''}"${pe} (is the ip_vs_${ctx.scheduler ?? ''} module available?)`;
      }
      return service ? 'no such service' : 'no such destination';
    case 'EINVAL':
      if (op === 'createDestination' || op === 'updateDestination') {
        return `invalid destination: ${ctx.address ?? 'the address'} must be a unicast address this namespace can reach `
          + '(not multicast/broadcast/zero; give a link an address in its subnet first), and weight/thresholds in range';
      }
      return 'invalid argument (check the address family, protocol, port, netmask and flags)';
    case 'EAFNOSUPPORT': return 'address family not supported (IPv6 IPVS needs CONFIG_IP_VS_IPV6)';
    case 'EBUSY': return 'IPVS is busy';
    case 'ENOMEM': return 'out of memory';
    default: return 'failed';
  }
}
