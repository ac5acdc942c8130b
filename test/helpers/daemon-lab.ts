// Shared pieces of the daemon tests, one concept per file: k0s's templates (k0s-template.ts),
// vipd as a process (vipd-process.ts), VIP holders (addresses.ts). Importable from here too.
export {
  renderK0sKeepalived, renderK0sVirtualServers, k0sNotify, type K0sInstance, type K0sTemplate, type K0sVirtualServer,
} from './k0s-template.js';
export { VIPD, k0sFlags, startVipd, settledMaster, type VipdProc } from './vipd-process.js';
export { addressesOf, hasAddress, vipHolders } from './addresses.js';
export { sleep } from './sleep.js';
