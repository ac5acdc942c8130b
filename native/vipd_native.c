// vipd native addon: syscalls only. Every protocol and struct layout lives in TypeScript
// (src/netif/native.ts and friends); this addon moves bytes between Node and the kernel.
//
// Sockets are plain non-blocking file descriptors (socket.c). Readiness comes from libuv's
// uv_poll on the Node event loop (watch.c). The one thread: a master's periodic adverts
// (advert.c), sent from bytes JS encoded, under a lease JS renews. process.c holds scheduling,
// affinity and memory locking. Errors are thrown as Error objects with `code` = errno name
// (EPERM, ENODEV...), `errno` and `syscall`, like Node's own (common.c).
#include "common.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!env_state_init(env)) {
    napi_throw_error(env, "EINTERNAL", "vipd_native: cannot set up per-env state");
    return NULL;
  }
#define DESCRIBE(js, c) {#js, NULL, c, NULL, NULL, NULL, napi_enumerable, NULL},
  napi_property_descriptor props[] = {VIPD_FUNCTIONS(DESCRIBE)};
#undef DESCRIBE
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
