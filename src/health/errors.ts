// Errors of the health module, raised when a probe or a script is set up (never while it runs:
// a failing run is a ProbeResult or a CommandResult).
import { VipdError } from '../errors.js';

/** A probe option this adapter cannot apply; raised when the probe is built, not at each attempt. */
export class ProbeOptionError extends VipdError {
  constructor(message: string) {
    super('VIPD_ERR_PROBE_OPTION', message);
  }
}

/** A script user or group that does not resolve to ids (keepalived's `user [group]`, script_user). */
export class UserLookupError extends VipdError {
  constructor(message: string) {
    super('VIPD_ERR_USER', message);
  }
}
