// Netlink alignment: messages and attributes start on 4-byte boundaries (<linux/netlink.h>).

/** NLMSG_ALIGNTO and NLA_ALIGNTO are both 4. */
export const NETLINK_ALIGNTO = 4;

/** NLMSG_ALIGN(len) / NLA_ALIGN(len): rounds up to the next multiple of 4. */
export function align(length: number): number {
  return (length + NETLINK_ALIGNTO - 1) & ~(NETLINK_ALIGNTO - 1);
}

/** NLMSG_HDRLEN: sizeof(struct nlmsghdr), already aligned. */
export const NLMSG_HDRLEN = 16;

/** NLA_HDRLEN: sizeof(struct nlattr), already aligned. */
export const NLA_HDRLEN = 4;

/** NLMSG_LENGTH(len): header plus an unpadded payload. */
export function messageLength(payload: number): number {
  return NLMSG_HDRLEN + payload;
}
