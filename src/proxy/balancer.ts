// Which API server a new proxied connection goes to, as a pure function of the backends' health
// and load: round robin (k0s's own proxy) or least connections (fewest open, ties in round-robin
// order). The result is an order to try: the first is the pick, the rest are where a failed dial
// goes next. Only healthy backends are tried; when none is healthy every backend is (k0s's
// reconciler does the same: a health check that is wrong everywhere must not stop all traffic).
import type { ProxyBalance } from '../config/types.js';

export interface BackendLoad {
  key: string;
  healthy: boolean;
  /** Connections open through the proxy now. */
  active: number;
}

export interface DialOrder {
  /** Backend keys to try, in order. */
  order: string[];
  /** Round-robin position for the next connection. */
  cursor: number;
}

export function dialOrder(balance: ProxyBalance, backends: readonly BackendLoad[], cursor: number): DialOrder {
  const n = backends.length;
  if (n === 0) return { order: [], cursor: 0 };
  const start = ((cursor % n) + n) % n;
  // Rotated from the cursor over the whole list, so the rotation stays fair while health changes.
  const rotated = [...backends.slice(start), ...backends.slice(0, start)];
  const healthy = rotated.filter((b) => b.healthy);
  let order = healthy.length ? healthy : rotated;
  if (balance === 'least-connections') {
    // A stable sort: equal loads keep the round-robin order.
    order = [...order].sort((a, b) => a.active - b.active);
  }
  const pick = backends.indexOf(order[0]!);
  return { order: order.map((b) => b.key), cursor: pick + 1 };
}
