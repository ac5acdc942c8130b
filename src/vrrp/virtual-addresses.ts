// The virtual IPs of one instance on the local host. Adding is idempotent (an address that is
// already there is fine) and so is removing, so a restart after a crash converges: vipd
// removes VIPs it would own at start-up while it is not master.
import { ipFamily } from '../netif/ip-address.js';

export interface VirtualAddress {
  address: string;
  prefixLength: number;
  ifindex: number;
  /** IFA_LABEL (IPv4 only), e.g. "eth0:vip". */
  label?: string;
  /** RT_SCOPE_* (keepalived `scope`); default 0, global. */
  scope?: number;
  /** IPv4 broadcast address (keepalived `brd`). */
  broadcast?: string;
  /** Point-to-point peer (keepalived `peer`). */
  peer?: string;
}

/** The slice of RtNetlink this needs; tests may hand in the real client or a recorder. */
export interface AddressOps {
  addAddress(a: { ifindex: number; address: string; prefixLength: number; label?: string; noDad?: boolean; scope?: number; broadcast?: string; peer?: string },
    opts?: { exist?: 'ok' | 'error' }): Promise<void>;
  deleteAddress(a: { ifindex: number; address: string; prefixLength: number; peer?: string }, opts?: { missing?: 'ok' | 'error' }): Promise<void>;
}

export interface AddressFailure { vip: VirtualAddress; error: Error }

/** Adds every VIP; failures are returned (not thrown) so one bad address never blocks the rest. */
export async function addVirtualAddresses(ops: AddressOps, vips: readonly VirtualAddress[]): Promise<AddressFailure[]> {
  const failures: AddressFailure[] = [];
  await Promise.all(vips.map(async (vip) => {
    try {
      // IPv6 VIPs skip duplicate address detection: they must answer the moment we are master.
      await ops.addAddress({ ...vip, noDad: ipFamily(vip.address) === 6 }, { exist: 'ok' });
    } catch (error) {
      failures.push({ vip, error: error as Error });
    }
  }));
  return failures;
}

export async function removeVirtualAddresses(ops: AddressOps, vips: readonly VirtualAddress[]): Promise<AddressFailure[]> {
  const failures: AddressFailure[] = [];
  await Promise.all(vips.map(async (vip) => {
    try {
      await ops.deleteAddress(vip, { missing: 'ok' });
    } catch (error) {
      failures.push({ vip, error: error as Error });
    }
  }));
  return failures;
}
