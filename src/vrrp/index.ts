// The pure VRRP core: codec, receive validation, timers, state machine, statistics, the views an instance's
// config derives and the GARP schedule; auth_hmac's pure core as `authHmac`. No sockets, no clocks.
export * from './types.js';
export * as authHmac from './auth-hmac/index.js';
export { maxAdvertisedAddresses, type AdvertShape } from './advert-fit.js';
export { internetChecksum, pseudoHeaderSum } from './checksum.js';
export { AUTH_DATA_LENGTH, passwordAuthData, isValidPassword, authDataMatches } from './auth.js';
export {
  VRRP_HEADER_LENGTH,
  MAX_ADVERT_INTERVAL_V3_CS,
  VrrpEncodeError,
  encodeAdvertisement,
  parseIpv4Packet,
  parseVrrpMessage,
  vridOf,
  vridOfIpv4Packet,
  ipv4Payload,
  type EncodeOptions,
  type ParseFailure,
  type ParseOptions,
  type ParseResult,
  type PacketMeta,
  type ReceivedAdvertisement,
} from './packet.js';
export {
  validateAdvertisement,
  receiveIpv4Packet,
  receiveVrrpMessage,
  type AuthCheck,
  type AuthHmacDropReason,
  type DropReason,
  type InstanceView,
  type Verdict,
} from './validate.js';
export { vrrpTimers, advertIntervalMs, skewTimeMs, masterDownIntervalMs, type TimerInputs, type VrrpTimers } from './timers.js';
export {
  checkMachineConfig,
  createMachine,
  step,
  timersOf,
  skewTimeOf,
  masterDownIntervalOf,
  type Action,
  type Machine,
  type MachineConfig,
  type MachineEvent,
  type StepResult,
  type TimerName,
  type TransitionReason,
  type VrrpStateName,
} from './state-machine.js';
export {
  emptyStatistics,
  countDrop,
  countReceived,
  countActions,
  countLateAdvert,
  DROP_COUNTER,
  type VrrpStatistics,
  type CounterName,
  type NewMasterReason,
  type ProtoErrReason,
} from './stats.js';
export {
  sourceOf,
  machineConfigOf,
  receiveViewOf,
  advertOf,
  encodeOptionsOf,
  advertDestinationsOf,
  advertIntervalMsOf,
  isUnicast,
  heldAddressesOf,
  otherInterfacesOf,
  canonicalIp,
} from './instance-views.js';
export {
  garpSchedule,
  onBecomeMaster,
  onLowerPriorityAdvert,
  onAddressesAdded,
  onLeaveMaster,
  takeDue,
  nextDueAt,
  type GarpRound,
  type GarpSchedule,
} from './garp-schedule.js';
