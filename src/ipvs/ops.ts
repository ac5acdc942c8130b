// The changes one can make to an IPVS table, as plain data, and their encoding as generic
// netlink commands. Plain data lets the reconciler plan pure diffs and the client send many
// changes in one write.
import { AttributeEncoder } from '../netif/netlink/attributes.js';
import * as C from './constants.js';
import { destinationKey, packDestination, packDestinationId, type Destination, type DestinationId } from './destination.js';
import { packService, packServiceId, serviceKey, type Service, type ServiceId } from './service.js';

export type IpvsOp =
  | { kind: 'createService'; service: Service }
  | { kind: 'updateService'; service: Service }
  | { kind: 'removeService'; service: ServiceId }
  | { kind: 'createDestination'; service: ServiceId; destination: Destination }
  | { kind: 'updateDestination'; service: ServiceId; destination: Destination }
  | { kind: 'removeDestination'; service: ServiceId; destination: DestinationId };

export interface GenlCommand { cmd: number; attrs: Buffer }

// IPVS reads its attributes nested; ipvsadm (libnl) marks them NLA_F_NESTED, and so do we.
const nestedFlag = { flag: true };

export function encodeOp(op: IpvsOp): GenlCommand {
  const e = new AttributeEncoder();
  switch (op.kind) {
    case 'createService':
    case 'updateService':
      e.nested(C.IPVS_CMD_ATTR_SERVICE, (n) => packService(n, op.service), nestedFlag);
      return { cmd: op.kind === 'createService' ? C.IPVS_CMD_NEW_SERVICE : C.IPVS_CMD_SET_SERVICE, attrs: e.encode() };
    case 'removeService':
      e.nested(C.IPVS_CMD_ATTR_SERVICE, (n) => packServiceId(n, op.service), nestedFlag);
      return { cmd: C.IPVS_CMD_DEL_SERVICE, attrs: e.encode() };
    case 'createDestination':
    case 'updateDestination':
      e.nested(C.IPVS_CMD_ATTR_SERVICE, (n) => packServiceId(n, op.service), nestedFlag);
      e.nested(C.IPVS_CMD_ATTR_DEST, (n) => packDestination(n, op.destination), nestedFlag);
      return { cmd: op.kind === 'createDestination' ? C.IPVS_CMD_NEW_DEST : C.IPVS_CMD_SET_DEST, attrs: e.encode() };
    case 'removeDestination':
      e.nested(C.IPVS_CMD_ATTR_SERVICE, (n) => packServiceId(n, op.service), nestedFlag);
      e.nested(C.IPVS_CMD_ATTR_DEST, (n) => packDestinationId(n, op.destination), nestedFlag);
      return { cmd: C.IPVS_CMD_DEL_DEST, attrs: e.encode() };
  }
}

/** Service identity as the only attribute: GET_SERVICE (one) and GET_DEST (dump). */
export function encodeServiceQuery(id: ServiceId): Buffer {
  return new AttributeEncoder().nested(C.IPVS_CMD_ATTR_SERVICE, (n) => packServiceId(n, id), nestedFlag).encode();
}

/** "tcp:10.0.0.1:80" or "tcp:10.0.0.1:80 -> 10.0.0.11:80". */
export function opTarget(op: IpvsOp): string {
  const s = serviceKey(op.service);
  return 'destination' in op ? `${s} -> ${destinationKey(op.destination)}` : s;
}
