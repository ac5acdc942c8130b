// Configuration: keepalived.conf and k0s's controlPlaneLoadBalancing, both to one VipdConfig.
export { loadKeepalivedConfig, parseKeepalivedConfig, type KeepalivedParseOptions } from './keepalived.js';
export { loadK0sConfig, parseK0sConfig, K0S_DUMMY_VIP_INTERFACE, K0S_DEFAULT_ADDRESS_LABEL, type K0sOptions } from './k0s.js';
export { parseCommandLine } from './command-line.js';
export { parseGoDuration } from './go-duration.js';
export { nodeConfigFs, MemoryConfigFs, type ConfigFs, type FileKind } from './fs.js';
export * from './types.js';
