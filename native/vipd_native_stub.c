// vipd needs Linux (raw IP, AF_PACKET, netlink). On other systems the addon loads but every
// call fails with ENOSYS, so a library user gets a clear error instead of a build break.
// The names come from the same list as the Linux addon's (functions.h).
#include <node_api.h>

#include "functions.h"

static napi_value not_linux(napi_env env, napi_callback_info info) {
  napi_throw_error(env, "ENOSYS", "vipd: raw sockets and netlink need Linux");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
#define NAME(js, c) #js,
  const char *names[] = {VIPD_FUNCTIONS(NAME)};
#undef NAME
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
    napi_value fn;
    napi_create_function(env, names[i], NAPI_AUTO_LENGTH, not_linux, NULL, &fn);
    napi_set_named_property(env, exports, names[i], fn);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
