// vipd as a library: VRRP routers and instances, IPVS, the network plumbing under them, and the
// configuration loaders. The library never logs; it emits typed events.
export { VrrpRouter, type RouterEvents, type RouterOptions } from './vrrp/router.js';
export {
  VrrpInstance,
  type InstanceEvents, type InstanceStatus, type StateChange, type DropEvent, type LateAdvertEvent, type InstanceEnv, type LinkInfo, type Announce,
  type AuthHmacStatus, type AuthNoticeEvent, type AuthHmacMemory,
} from './vrrp/instance.js';
export {
  resolveInstanceConfig, DEFAULT_GARP,
  type AuthHmacConfig, type InstanceConfig, type ResolvedInstanceConfig, type ResolvedVirtualAddress, type VirtualAddressConfig, type VirtualAddressInput, type GarpSettings,
} from './vrrp/instance-config.js';
export { realClock, type Clock } from './vrrp/clock.js';
export { HmacKey, decodeKeyValue, nodeKeyFileReader, type AuthMode, type AntiReplay } from './vrrp/auth-hmac/index.js';
export type { AdvertChannel, VrrpDatagram } from './vrrp/channel.js';
export * as vrrp from './vrrp/index.js';
export * as ipvs from './ipvs/index.js';
export * as config from './config/index.js';
export { RtNetlink, NoLinkError } from './netif/rtnetlink.js';
export { GenericNetlink } from './netif/genetlink.js';
export { Announcer, sendGratuitousArp, sendUnsolicitedNa } from './netif/announce.js';
export { Socket, type Datagram } from './netif/socket.js';
export { VipdError, SystemError, DecodeError, ConfigError } from './errors.js';
export { Tracker } from './vrrp/track/tracker.js';
export * as health from './health/index.js';
export {
  httpProbe, tcpProbe, scriptProbe, runCommand, commandStats, lookupRunAs,
  type Probe, type ProbeResult, type TcpProbeOptions, type HttpProbeOptions, type ScriptProbeOptions,
  type CommandOptions, type CommandResult, type CommandStats,
} from './health/index.js';
export { VERSION } from './version.js';
