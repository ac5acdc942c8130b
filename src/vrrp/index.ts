// The pure VRRP core: codec, receive validation, timers, state machine, statistics. No sockets, no clocks.
export * from './types.js';
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
  type DropReason,
  type InstanceView,
  type Verdict,
} from './validate.js';
export { vrrpTimers, type TimerInputs, type VrrpTimers } from './timers.js';
export {
  createMachine,
  step,
  timersOf,
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
  DROP_COUNTER,
  type VrrpStatistics,
  type CounterName,
  type NewMasterReason,
  type ProtoErrReason,
} from './stats.js';
