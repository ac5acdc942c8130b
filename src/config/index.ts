// Configuration: keepalived.conf and k0s's controlPlaneLoadBalancing, both to one VipdConfig
// (types.ts) with every default applied, so the daemon has a single input model.
//
//   loadKeepalivedConfig(path, { fs?, configId?, interfaceOfAddress? })        -> { config, warnings }
//   parseKeepalivedConfig(text, { file, fs?, configId?, interfaceOfAddress? }) -> { config, warnings }
//   KEYWORD_TABLE: block context -> keyword -> implemented | warned | error (and what a warned one does not do)
//   loadK0sConfig(path, K0sOptions)               -> { config, warnings }   throws ConfigError
//   parseK0sConfig(text, { file, ...K0sOptions }) -> { config, warnings }   throws ConfigError
//   parseCommandLine(command)                     -> argv (no shell)
//
// Warnings (unknown keywords, missing includes, ignored options) carry file:line and never stop
// loading; ConfigError (code VIPD_ERR_CONFIG) carries file:line and stops at the first problem.
export { loadKeepalivedConfig, parseKeepalivedConfig, KEYWORD_TABLE, type KeepalivedParseOptions, type KeywordContext, type KeywordInfo, type KeywordStatus } from './keepalived/index.js';
export { loadK0sConfig, parseK0sConfig, K0S_DUMMY_VIP_INTERFACE, K0S_DEFAULT_ADDRESS_LABEL, type K0sOptions } from './k0s.js';
export { parseCommandLine, splitScriptWords } from './command-line.js';
export { parseGoDuration } from './go-duration.js';
export { defaultGarp, defaultGlobal } from './defaults.js';
export { nodeConfigFs, MemoryConfigFs, type ConfigFs, type FileKind } from './fs.js';
export * from './types.js';
