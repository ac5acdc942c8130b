// The host's local addresses as a live set (for ha_suspend: checkers run only while their virtual
// server's address is local): one dump, then the kernel's address notifications; a lost
// notification (overrun) means a fresh dump. Addresses are in canonical text form.
import type { RtNetlink } from '../netif/rtnetlink.js';
import { canonicalIp } from '../ipvs/service.js';

export interface LocalAddressWatch {
  close(): void;
}

/** Calls onChange with the whole set after the first dump and after every change. */
export function watchLocalAddresses(rt: Pick<RtNetlink, 'subscribe' | 'addresses'>, onChange: (addresses: ReadonlySet<string>) => void, onError: (err: Error) => void = () => undefined): LocalAddressWatch {
  // "ifindex address": the same address may sit on two links; a NEWADDR also reports updates.
  const held = new Set<string>();
  let closed = false;
  const publish = () => { if (!closed) onChange(new Set([...held].map((k) => k.slice(k.indexOf(' ') + 1)))); };
  const keyOf = (a: { ifindex: number; address: string }) => `${a.ifindex} ${canonicalIp(a.address)}`;
  const sub = rt.subscribe();
  const dump = async () => {
    try {
      const all = await rt.addresses();
      held.clear();
      for (const a of all) held.add(keyOf(a));
      publish();
    } catch (err) {
      onError(err as Error);
    }
  };
  sub.on('address', (a, { deleted }) => {
    if (deleted) held.delete(keyOf(a));
    else held.add(keyOf(a));
    publish();
  });
  sub.on('overrun', () => void dump());
  sub.on('error', onError);
  void dump();
  return {
    close: () => {
      closed = true;
      sub.close();
    },
  };
}
